"""Tools about who is asking and what they run: user context, a resource, its latest snapshot."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from ..data.model import Connection, StateChange
from ..data.money import Money, money
from ..wording import format_amount, format_number, format_percent
from .common import ResourceView, ToolInput, provider_name, resource_view, source_of, spec_text
from .registry import Tool, ToolContext


class NoInput(ToolInput):
    pass


class ResourceInput(ToolInput):
    resource_id: int = Field(ge=1, description="the resource's numeric id")


class InventoryItem(BaseModel):
    resource_type: str
    count: int
    monthly_cost: Money


class UserContextOut(BaseModel):
    tenant_id: str
    tenant_name: str
    currency: str
    user_id: str
    user_name: str | None
    role: str | None
    roles: list[str]
    read_only: bool
    language: str
    timezone: str | None
    connections: list[Connection]
    inventory: list[InventoryItem]
    resources_total: int
    monthly_cost_total: Money
    open_recommendations: int
    open_savings: Money
    cost_data_from: date | None
    cost_data_to: date | None


async def get_user_context(ctx: ToolContext, _: NoInput) -> tuple[UserContextOut, str]:
    uc = await source_of(ctx).user_context(ctx.principal)
    cur = uc.tenant.currency
    total = sum(i.monthly_cost for i in uc.inventory)
    out = UserContextOut(
        tenant_id=uc.tenant.id,
        tenant_name=uc.tenant.name,
        currency=cur,
        user_id=ctx.principal.user_id,
        user_name=uc.user.name if uc.user else None,
        role=uc.user.role if uc.user else None,
        roles=list(ctx.principal.roles),
        read_only=ctx.principal.demo or bool(uc.user and (uc.user.is_demo or uc.user.role == "demouser")),
        language=uc.user.language if uc.user else "ru",
        timezone=uc.user.timezone if uc.user else None,
        connections=uc.connections,
        inventory=[
            InventoryItem(resource_type=i.resource_type, count=i.count, monthly_cost=money(i.monthly_cost, cur))
            for i in uc.inventory
        ],
        resources_total=sum(i.count for i in uc.inventory),
        monthly_cost_total=money(total, cur),
        open_recommendations=uc.open_recommendations,
        open_savings=money(uc.open_savings_monthly, cur),
        cost_data_from=uc.data_from,
        cost_data_to=uc.data_to,
    )
    providers = ", ".join(sorted({provider_name(c.provider) for c in uc.connections})) or "no providers"
    summary = (
        f"{out.tenant_name}: {format_number(out.resources_total, 'en')} resources on {providers}, "
        f"{format_amount(out.monthly_cost_total, 'en')}; {out.open_recommendations} open recommendations"
    )
    return out, summary


class ResourceOut(BaseModel):
    resource: ResourceView


async def get_resource(ctx: ToolContext, args: ResourceInput) -> tuple[ResourceOut, str]:
    res = await source_of(ctx).resource(ctx.principal, args.resource_id)
    view = resource_view(res)
    summary = (
        f"{res.resource_type} {res.name} ({view.provider_name}, {res.region}): {spec_text(res.spec)}, "
        f"{format_amount(view.monthly_cost, 'en')}, {res.status}"
    )
    return ResourceOut(resource=view), summary


class SnapshotOut(BaseModel):
    resource_id: int
    taken_at: datetime
    window_days: int
    status: str
    cpu_avg_pct: float | None
    cpu_p95_pct: float | None
    ram_avg_pct: float | None
    ram_p95_pct: float | None
    net_in_gb: float | None
    net_out_gb: float | None
    state_changes: list[StateChange]
    status_since: datetime | None = Field(description="when the current status began, if recorded")


def _load(pct: float | None) -> str:
    return "n/a" if pct is None else format_percent(pct, "en")


async def get_latest_snapshot(ctx: ToolContext, args: ResourceInput) -> tuple[SnapshotOut, str]:
    snap = await source_of(ctx).latest_snapshot(ctx.principal, args.resource_id)
    since = max((c.at for c in snap.state_changes if c.to_status == snap.status), default=None)
    out = SnapshotOut(**snap.model_dump(), status_since=since)
    if snap.cpu_avg_pct is not None:
        summary = (
            f"resource {snap.resource_id} over {snap.window_days} days: CPU avg {_load(snap.cpu_avg_pct)} "
            f"(p95 {_load(snap.cpu_p95_pct)}), RAM avg {_load(snap.ram_avg_pct)} (p95 {_load(snap.ram_p95_pct)})"
        )
    else:
        summary = f"resource {snap.resource_id}: {snap.status}" + (f" since {since:%Y-%m-%d}" if since else "")
    return out, summary


TOOLS = (
    Tool(
        "get_user_context",
        1,
        "Who is asking and what their account holds: tenant, role, language, currency, provider connections, "
        "inventory by resource type with monthly cost, open recommendations and the dates cost data covers.",
        NoInput,
        UserContextOut,
        get_user_context,
        prompt="Call first when you need the user's currency, language or providers.",
    ),
    Tool(
        "get_resource",
        1,
        "One resource of the user's account by id: type, provider, region, status, size (vCPU, RAM, disk, "
        "CPU class, nodes), SKU, monthly cost with currency, tags.",
        ResourceInput,
        ResourceOut,
        get_resource,
    ),
    Tool(
        "get_latest_snapshot",
        1,
        "The latest utilisation snapshot of a resource: CPU and RAM average and p95 over the window, network "
        "traffic, and status changes with dates (use them for 'stopped since' / 'unused since').",
        ResourceInput,
        SnapshotOut,
        get_latest_snapshot,
    ),
)
