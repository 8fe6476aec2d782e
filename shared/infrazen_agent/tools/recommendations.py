"""Recommendation tools: one recommendation with its evidence, and the top open ones."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..data.model import OPEN_STATUSES, REC_TYPES, Recommendation, Resource
from ..data.money import MONTHS_PER_YEAR, Money, money, round2
from ..wording import format_amount, format_number, format_percent
from .common import ResourceView, ToolInput, pct, provider_name, resource_view, source_of
from .registry import Tool, ToolContext


class RecommendationInput(ToolInput):
    recommendation_id: int = Field(ge=1)


class Target(BaseModel):
    provider: str
    provider_name: str
    sku: str
    region: str | None
    quantity: float
    monthly: Money


class RecommendationOut(BaseModel):
    id: int
    rec_type: str
    category: str
    status: str
    severity: str
    title: str
    rule: str
    resource: ResourceView
    current_monthly: Money
    target: Target | None = Field(description="what replaces the resource; None when it is simply removed")
    target_monthly: Money
    savings_monthly: Money
    savings_yearly: Money
    savings_pct: float
    confidence: float
    evidence: dict[str, Any]
    created_at: datetime


def target_of(rec: Recommendation) -> Target | None:
    if not rec.target_sku or not rec.target_provider:
        return None
    return Target(
        provider=rec.target_provider,
        provider_name=provider_name(rec.target_provider),
        sku=rec.target_sku,
        region=rec.target_region,
        quantity=rec.target_quantity,
        monthly=money(rec.target_monthly, rec.currency),
    )


async def load_recommendation(ctx: ToolContext, rec_id: int) -> tuple[Recommendation, RecommendationOut]:
    source = source_of(ctx)
    rec = await source.recommendation(ctx.principal, rec_id)
    res = await source.resource(ctx.principal, rec.resource_id)
    cur = rec.currency
    out = RecommendationOut(
        id=rec.id,
        rec_type=rec.rec_type,
        category=rec.category,
        status=rec.status,
        severity=rec.severity,
        title=rec.title,
        rule=rec.rule,
        resource=resource_view(res),
        current_monthly=money(rec.current_monthly, cur),
        target=target_of(rec),
        target_monthly=money(rec.target_monthly, cur),
        savings_monthly=money(rec.savings_monthly, cur),
        savings_yearly=money(rec.savings_monthly * MONTHS_PER_YEAR, cur, "year"),
        savings_pct=pct(rec.savings_monthly, rec.current_monthly),
        confidence=rec.confidence,
        evidence=rec.evidence,
        created_at=rec.created_at,
    )
    return rec, out


async def get_recommendation(ctx: ToolContext, args: RecommendationInput) -> tuple[RecommendationOut, str]:
    _, out = await load_recommendation(ctx, args.recommendation_id)
    summary = (
        f"#{out.id} {out.rec_type} for {out.resource.name}: saves {format_amount(out.savings_monthly, 'en')} "
        f"({format_percent(out.savings_pct, 'en')}), confidence {format_number(out.confidence, 'en')}, {out.status}"
    )
    return out, summary


class TopInput(ToolInput):
    limit: int = Field(default=5, ge=1, le=10)
    rec_type: (
        Literal[
            "cross_provider_server",
            "cross_provider_dbaas",
            "rightsize_cpu",
            "stopped_server",
            "old_snapshot",
            "unused_ip",
        ]
        | None
    ) = None


class TopItem(BaseModel):
    id: int
    rec_type: str
    title: str
    resource_id: int
    resource_name: str | None = Field(default=None, description="the resource's name (None if it is gone)")
    severity: str
    confidence: float
    savings_monthly: Money
    savings_yearly: Money
    target_provider: str | None
    target_sku: str | None


class TypeTotal(BaseModel):
    rec_type: str
    count: int
    savings_monthly: Money


class TopOut(BaseModel):
    items: list[TopItem]
    open_count: int
    total_savings_monthly: Money = Field(description="at most one recommendation per resource counted")
    total_savings_yearly: Money
    sum_of_all_savings_monthly: Money = Field(description="plain sum; overlaps on the same resource double count")
    by_type: list[TypeTotal]
    note: str


MAX_CONSIDERED = 500


async def summarize_top_recommendations(ctx: ToolContext, args: TopInput) -> tuple[TopOut, str]:
    source = source_of(ctx)
    recs = await source.recommendations(
        ctx.principal, statuses=list(OPEN_STATUSES), rec_type=args.rec_type, limit=MAX_CONSIDERED
    )
    currency = recs[0].currency if recs else (await source.cost_bounds(ctx.principal)).currency
    best_per_resource: dict[int, float] = {}
    by_type: dict[str, list[float]] = defaultdict(list)
    for r in recs:
        best_per_resource[r.resource_id] = max(best_per_resource.get(r.resource_id, 0.0), r.savings_monthly)
        by_type[r.rec_type].append(r.savings_monthly)
    dedup = round2(sum(best_per_resource.values()))
    shown = recs[: args.limit]
    # Titles are the engine's Russian sentences: the names let an English answer say which resource.
    found = await asyncio.gather(
        *(source.resource(ctx.principal, r.resource_id) for r in shown), return_exceptions=True
    )
    names = [f.name if isinstance(f, Resource) else None for f in found]  # a resource gone: no name
    items = [
        TopItem(
            id=r.id,
            rec_type=r.rec_type,
            title=r.title,
            resource_id=r.resource_id,
            resource_name=name,
            severity=r.severity,
            confidence=r.confidence,
            savings_monthly=money(r.savings_monthly, r.currency),
            savings_yearly=money(r.savings_monthly * MONTHS_PER_YEAR, r.currency, "year"),
            target_provider=r.target_provider,
            target_sku=r.target_sku,
        )
        for r, name in zip(shown, names, strict=True)
    ]
    out = TopOut(
        items=items,
        open_count=len(recs),
        total_savings_monthly=money(dedup, currency),
        total_savings_yearly=money(dedup * MONTHS_PER_YEAR, currency, "year"),
        sum_of_all_savings_monthly=money(sum(r.savings_monthly for r in recs), currency),
        by_type=[
            TypeTotal(rec_type=t, count=len(by_type[t]), savings_monthly=money(sum(by_type[t]), currency))
            for t in REC_TYPES
            if t in by_type
        ],
        note=(
            "Open = pending or seen. Two recommendations on one resource (e.g. move and downsize) do not add up; "
            "the total counts the larger one per resource."
            + (f" Only the top {MAX_CONSIDERED} by savings were considered." if len(recs) >= MAX_CONSIDERED else "")
        ),
    )
    summary = f"{out.open_count} open recommendations worth {format_amount(out.total_savings_monthly, 'en')}" + (
        f"; top: {items[0].title}" if items else ""
    )
    return out, summary


TOOLS = (
    Tool(
        "get_recommendation",
        1,
        "One recommendation by id with its resource, current and target monthly cost, savings per month and year, "
        "confidence and the evidence (rule, formula, inputs) it was computed from.",
        RecommendationInput,
        RecommendationOut,
        get_recommendation,
    ),
    Tool(
        "summarize_top_recommendations",
        1,
        "The user's top open recommendations by monthly savings, totals per type, and the total potential savings "
        "counting at most one recommendation per resource.",
        TopInput,
        TopOut,
        summarize_top_recommendations,
    ),
)
