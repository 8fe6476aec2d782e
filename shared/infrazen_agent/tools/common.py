"""Pieces the catalog's tools share: input bases, the time range, views of resources and money."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..data.catalog import PROVIDER_NAMES
from ..data.model import Resource, Spec
from ..data.money import Money, money
from ..data.source import DataSource, get_source
from ..errors import InvalidInput
from ..wording import format_number
from .registry import ToolContext

DEFAULT_DAYS = 30
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


class ToolInput(BaseModel):
    # Unknown arguments are refused: in particular a tenant id, which only the token decides.
    model_config = ConfigDict(extra="forbid")


class RangeInput(ToolInput):
    # Short descriptions: every range tool repeats them in every model call.
    days: int | None = Field(default=None, ge=1, le=366, description="last N days (default 30), or start+end")
    start: date | None = Field(default=None, description="first day")
    end: date | None = Field(default=None, description="last day, inclusive")

    @model_validator(mode="after")
    def _both_or_neither(self) -> RangeInput:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither (then days applies)")
        for day in (self.start, self.end):
            # Comparisons reach a range's length back; far-off dates would overflow date math.
            if day is not None and not (EARLIEST_DAY <= day <= LATEST_DAY):
                raise ValueError(f"dates must be between {EARLIEST_DAY} and {LATEST_DAY}")
        if self.start and self.end and self.start > self.end:
            raise ValueError("start is after end")
        if self.start and self.end and (self.end - self.start).days >= 366:
            raise ValueError("the range is longer than 366 days")
        return self


class RangeView(BaseModel):
    start: date
    end: date
    days: int
    basis: str  # how the range was chosen


class ResourceView(BaseModel):
    id: int
    name: str
    resource_type: str
    provider: str
    provider_name: str
    connection: str
    region: str
    geo: str
    status: str
    spec: Spec
    sku: str | None
    monthly_cost: Money
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime


def source_of(ctx: ToolContext) -> DataSource:
    source = get_source(ctx.runtime)
    # Inside a batch, tools reading the same recommendation or resource share one read.
    return ctx.reads.source(source) if ctx.reads is not None else source


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider)


def resource_view(res: Resource) -> ResourceView:
    return ResourceView(
        id=res.id,
        name=res.name,
        resource_type=res.resource_type,
        provider=res.provider,
        provider_name=provider_name(res.provider),
        connection=res.connection_name,
        region=res.region,
        geo=res.geo,
        status=res.status,
        spec=res.spec,
        sku=res.sku,
        monthly_cost=money(res.monthly_cost, res.currency),
        tags=res.tags,
        created_at=res.created_at,
        updated_at=res.updated_at,
    )


def spec_text(spec: Spec) -> str:
    parts = []
    if spec.vcpu:
        parts.append(f"{format_number(spec.vcpu, 'en')} vCPU")
    if spec.ram_gb:
        parts.append(f"{format_number(spec.ram_gb, 'en')} GB RAM")
    if spec.disk_gb:
        parts.append(f"{format_number(spec.disk_gb, 'en')} GB {spec.disk_type or ''}".strip())
    if spec.nodes > 1:
        parts.append(f"× {format_number(spec.nodes, 'en')} nodes")
    return " / ".join(parts) or "no size"


async def resolve_range(ctx: ToolContext, args: RangeInput) -> tuple[RangeView, str]:
    """(range, tenant currency). 'Last N days' ends on the latest day with data, so a demo loaded
    weeks ago still answers about its own last 30 days."""
    bounds = await source_of(ctx).cost_bounds(ctx.principal)
    if args.start and args.end:
        return RangeView(
            start=args.start, end=args.end, days=(args.end - args.start).days + 1, basis="explicit dates"
        ), bounds.currency
    days = args.days or DEFAULT_DAYS
    end = bounds.last_day or date.today()
    basis = "last days of data" if bounds.last_day else "today (no cost data yet)"
    return RangeView(start=end - timedelta(days=days - 1), end=end, days=days, basis=basis), bounds.currency


def pct(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


def change_pct(now: float, before: float) -> float | None:
    return round((now - before) / before * 100, 2) if before else None


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)
