"""Analytics tools over the tenant's daily cost series: KPIs, trends, service and provider
breakdowns, anomalies. Totals are sums of the daily series for the stated range; percentages of
a breakdown add up to 100."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from ..data import anomalies as detection
from ..data.model import CostSeries
from ..data.money import DAYS_PER_MONTH, Money, money, round2
from ..wording import format_amount, format_percent
from .common import RangeInput, RangeView, change_pct, pct, provider_name, resolve_range, source_of
from .registry import Tool, ToolContext

Key = tuple[str, str]


def _by_key(series: CostSeries) -> dict[Key, dict[date, float]]:
    out: dict[Key, dict[date, float]] = defaultdict(dict)
    for day, provider, service, amount in series.iter_rows():
        out[(provider, service)][day] = amount
    return out


def _sum(series: CostSeries, start: date, end: date) -> float:
    return sum(a for d, a in zip(series.days, series.amounts, strict=True) if start <= d <= end)


class Share(BaseModel):
    key: str
    name: str
    amount: Money
    pct: float


class OverviewOut(BaseModel):
    range: RangeView
    currency: str
    total_spend: Money
    average_daily: Money
    run_rate_monthly: Money = Field(description="average daily spend × 30.42 days")
    previous_period: RangeView
    previous_total: Money
    change_pct: float | None
    inventory_monthly: Money = Field(description="current monthly cost of all resources")
    resources: int
    providers: int
    top_provider: Share | None
    top_service: Share | None
    open_recommendations: int
    potential_savings_monthly: Money
    potential_savings_yearly: Money
    anomalies: int


async def get_analytics_overview(ctx: ToolContext, args: RangeInput) -> tuple[OverviewOut, str]:
    source = source_of(ctx)
    rng, cur = await resolve_range(ctx, args)
    prev = RangeView(
        start=rng.start - timedelta(days=rng.days),
        end=rng.start - timedelta(days=1),
        days=rng.days,
        basis="the same length just before",
    )
    fetch_from = min(prev.start, rng.start - timedelta(days=detection.LOOKBACK_DAYS))
    series, uc = await asyncio.gather(
        source.cost_series(ctx.principal, fetch_from, rng.end, "provider_service"),
        source.user_context(ctx.principal),
    )
    total = _sum(series, rng.start, rng.end)
    previous = _sum(series, prev.start, prev.end)
    per_provider: dict[str, float] = defaultdict(float)
    per_service: dict[str, float] = defaultdict(float)
    for day, provider, service, amount in series.iter_rows():
        if rng.start <= day <= rng.end:
            per_provider[provider] += amount
            per_service[service] += amount

    def top(values: dict[str, float], named: bool) -> Share | None:
        if not values:
            return None
        key = max(values, key=lambda k: (values[k], k))
        return Share(
            key=key,
            name=provider_name(key) if named else key,
            amount=money(values[key], cur, "range"),
            pct=pct(values[key], total),
        )

    found = detection.detect(_by_key(series), rng.start, rng.end)
    avg = total / rng.days
    out = OverviewOut(
        range=rng,
        currency=cur,
        total_spend=money(total, cur, "range"),
        average_daily=money(avg, cur, "day"),
        run_rate_monthly=money(avg * DAYS_PER_MONTH, cur),
        previous_period=prev,
        previous_total=money(previous, cur, "range"),
        change_pct=change_pct(total, previous),
        inventory_monthly=money(sum(i.monthly_cost for i in uc.inventory), cur),
        resources=sum(i.count for i in uc.inventory),
        providers=len(per_provider),
        top_provider=top(per_provider, True),
        top_service=top(per_service, False),
        open_recommendations=uc.open_recommendations,
        potential_savings_monthly=money(uc.open_savings_monthly, cur),
        potential_savings_yearly=money(uc.open_savings_monthly * 12, cur, "year"),
        anomalies=len(found),
    )
    change = f" ({format_percent(out.change_pct, 'en', signed=True)} vs previous)" if out.change_pct is not None else ""
    summary = (
        f"{rng.start}..{rng.end}: spent {format_amount(out.total_spend, 'en')}{change}, run rate "
        f"{format_amount(out.run_rate_monthly, 'en')}, {out.anomalies} anomalies"
    )
    return out, summary


class TrendsInput(RangeInput):
    granularity: Literal["auto", "day", "week", "month"] = "auto"
    group_by: Literal["total", "provider", "service"] = "total"
    top: int = Field(default=6, ge=1, le=10, description="groups shown; the rest are summed as 'other'")


class Point(BaseModel):
    start: date
    end: date
    days: int
    amount: float


class GroupSeries(BaseModel):
    key: str
    name: str
    total: Money
    pct: float
    amounts: list[float] = Field(description="one per point, same order")


class TrendsOut(BaseModel):
    range: RangeView
    currency: str
    granularity: Literal["day", "week", "month"]
    total: Money
    average_daily: Money
    points: list[Point]
    groups: list[GroupSeries]
    first_half_vs_second_half_pct: float | None
    slope_pct_per_month: float | None = Field(description="least-squares trend of daily spend, % of the mean")


def _buckets(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    out, day = [], start
    while day <= end:
        if granularity == "day":
            last = day
        elif granularity == "week":
            last = day + timedelta(days=6 - day.weekday())
        else:
            nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            last = nxt - timedelta(days=1)
        last = min(last, end)
        out.append((day, last))
        day = last + timedelta(days=1)
    return out


def _slope(daily: list[float]) -> float | None:
    n = len(daily)
    mean = sum(daily) / n if n else 0
    if n < 7 or not mean:
        return None
    xm = (n - 1) / 2
    cov = sum((i - xm) * (v - mean) for i, v in enumerate(daily))
    var = sum((i - xm) ** 2 for i in range(n))
    return round(cov / var * DAYS_PER_MONTH / mean * 100, 2)


async def get_cost_trends(ctx: ToolContext, args: TrendsInput) -> tuple[TrendsOut, str]:
    rng, cur = await resolve_range(ctx, args)
    group_by = "total" if args.group_by == "total" else args.group_by
    series = await source_of(ctx).cost_series(ctx.principal, rng.start, rng.end, group_by)
    granularity = (
        args.granularity
        if args.granularity != "auto"
        else ("day" if rng.days <= 62 else "week" if rng.days <= 200 else "month")
    )
    buckets = _buckets(rng.start, rng.end, granularity)
    index = {}
    for i, (a, b) in enumerate(buckets):
        for d in range((b - a).days + 1):
            index[a + timedelta(days=d)] = i
    per_day: dict[date, float] = defaultdict(float)
    per_group: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(buckets))
    for day, provider, service, amount in series.iter_rows():
        per_day[day] += amount
        if group_by != "total":
            per_group[provider if group_by == "provider" else service][index[day]] += amount
    amounts = [0.0] * len(buckets)
    for day, value in per_day.items():
        amounts[index[day]] += value
    total = sum(per_day.values())
    ranked = sorted(per_group, key=lambda k: (-sum(per_group[k]), k))
    groups = []
    for key in ranked[: args.top]:
        values = per_group[key]
        groups.append(
            GroupSeries(
                key=key,
                name=provider_name(key) if group_by == "provider" else key,
                total=money(sum(values), cur, "range"),
                pct=pct(sum(values), total),
                amounts=[round2(v) for v in values],
            )
        )
    rest = ranked[args.top :]
    if rest:
        values = [sum(per_group[k][i] for k in rest) for i in range(len(buckets))]
        groups.append(
            GroupSeries(
                key="other",
                name=f"other ({len(rest)})",
                total=money(sum(values), cur, "range"),
                pct=pct(sum(values), total),
                amounts=[round2(v) for v in values],
            )
        )
    daily = [per_day.get(rng.start + timedelta(days=i), 0.0) for i in range(rng.days)]
    half = len(daily) // 2
    out = TrendsOut(
        range=rng,
        currency=cur,
        granularity=granularity,
        total=money(total, cur, "range"),
        average_daily=money(total / rng.days, cur, "day"),
        points=[
            Point(start=a, end=b, days=(b - a).days + 1, amount=round2(v))
            for (a, b), v in zip(buckets, amounts, strict=True)
        ],
        groups=groups,
        first_half_vs_second_half_pct=change_pct(sum(daily[-half:]), sum(daily[:half])) if half else None,
        slope_pct_per_month=_slope(daily),
    )
    trend = (
        f", trend {format_percent(out.slope_pct_per_month, 'en', signed=True)}/month"
        if out.slope_pct_per_month is not None
        else ""
    )
    return (
        out,
        f"{rng.start}..{rng.end}: {format_amount(out.total, 'en')} in {len(buckets)} {granularity} points{trend}",
    )


class BreakdownInput(RangeInput):
    limit: int = Field(default=10, ge=1, le=20, description="items shown; the rest are summed as 'other'")


class BreakdownItem(BaseModel):
    key: str
    name: str
    amount: Money
    pct: float
    previous: Money
    change_pct: float | None


class BreakdownOut(BaseModel):
    range: RangeView
    currency: str
    dimension: Literal["service", "provider"]
    total: Money
    items: list[BreakdownItem]
    other: BreakdownItem | None
    previous_total: Money


async def _breakdown(
    ctx: ToolContext, args: BreakdownInput, dimension: Literal["service", "provider"]
) -> tuple[BreakdownOut, str]:
    rng, cur = await resolve_range(ctx, args)
    prev_start = rng.start - timedelta(days=rng.days)
    series = await source_of(ctx).cost_series(ctx.principal, prev_start, rng.end, dimension)
    now: dict[str, float] = defaultdict(float)
    before: dict[str, float] = defaultdict(float)
    for day, provider, service, amount in series.iter_rows():
        key = provider if dimension == "provider" else service
        (now if day >= rng.start else before)[key] += amount
    total, prev_total = sum(now.values()), sum(before.values())
    ranked = sorted(now, key=lambda k: (-now[k], k))

    def item(key: str, name: str, amount: float, previous: float) -> BreakdownItem:
        return BreakdownItem(
            key=key,
            name=name,
            amount=money(amount, cur, "range"),
            pct=pct(amount, total),
            previous=money(previous, cur, "range"),
            change_pct=change_pct(amount, previous),
        )

    items = [
        item(k, provider_name(k) if dimension == "provider" else k, now[k], before.get(k, 0.0))
        for k in ranked[: args.limit]
    ]
    rest = ranked[args.limit :]
    other = (
        item("other", f"other ({len(rest)})", sum(now[k] for k in rest), sum(before.get(k, 0.0) for k in rest))
        if rest
        else None
    )
    out = BreakdownOut(
        range=rng,
        currency=cur,
        dimension=dimension,
        total=money(total, cur, "range"),
        items=items,
        other=other,
        previous_total=money(prev_total, cur, "range"),
    )
    head = ", ".join(f"{i.name} {format_percent(i.pct, 'en')}" for i in items[:3])
    return out, f"{rng.start}..{rng.end}: {format_amount(out.total, 'en')} by {dimension}: {head}"


async def get_service_breakdown(ctx: ToolContext, args: BreakdownInput) -> tuple[BreakdownOut, str]:
    return await _breakdown(ctx, args, "service")


async def get_provider_breakdown(ctx: ToolContext, args: BreakdownInput) -> tuple[BreakdownOut, str]:
    return await _breakdown(ctx, args, "provider")


class AnomaliesInput(RangeInput):
    sensitivity: Literal["low", "normal", "high"] = "normal"
    limit: int = Field(default=20, ge=1, le=50)


class AnomalyView(BaseModel):
    day: date
    provider: str
    provider_name: str
    service: str
    amount: Money
    expected: Money
    deviation_pct: float
    kind: Literal["spike", "drop", "level_shift"]
    score: float


class AnomaliesOut(BaseModel):
    method: str
    range: RangeView
    currency: str
    sensitivity: str
    series_checked: int
    count: int
    anomalies: list[AnomalyView] = Field(description="strongest first, at most `limit`")


async def get_anomalies(ctx: ToolContext, args: AnomaliesInput) -> tuple[AnomaliesOut, str]:
    rng, cur = await resolve_range(ctx, args)
    series = await source_of(ctx).cost_series(
        ctx.principal, rng.start - timedelta(days=detection.LOOKBACK_DAYS), rng.end, "provider_service"
    )
    by_key = _by_key(series)
    found = detection.detect(by_key, rng.start, rng.end, detection.SENSITIVITY[args.sensitivity])
    strongest = sorted(found, key=lambda a: (-abs(a.deviation), a.day))[: args.limit]
    views = [
        AnomalyView(
            day=a.day,
            provider=a.key[0],
            provider_name=provider_name(a.key[0]),
            service=a.key[1],
            amount=money(a.amount, cur, "day"),
            expected=money(a.expected, cur, "day"),
            deviation_pct=round(a.deviation * 100, 1),
            kind=a.kind,
            score=round(min(a.score, 99.0), 1),
        )
        for a in strongest
    ]
    out = AnomaliesOut(
        method=detection.METHOD,
        range=rng,
        currency=cur,
        sensitivity=args.sensitivity,
        series_checked=len(by_key),
        count=len(found),
        anomalies=views,
    )
    if views:
        a = views[0]
        deviation = format_percent(a.deviation_pct, "en", decimals=0, signed=True)
        head = f"; strongest {a.kind} {a.day} {a.provider_name} {a.service} {deviation}"
    else:
        head = ""
    return out, f"{len(found)} anomalies in {rng.start}..{rng.end}{head}"


TOOLS = (
    Tool(
        "get_analytics_overview",
        1,
        "KPIs for a time range: total spend, average daily, monthly run rate, change vs the previous period, "
        "inventory monthly cost, top provider and service, open recommendations with potential savings, anomalies.",
        RangeInput,
        OverviewOut,
        get_analytics_overview,
        timeout_s=15.0,
    ),
    Tool(
        "get_cost_trends",
        1,
        "Spend over time for a range, by day, week or month, in total or per provider or service, with the "
        "range total, the half-over-half change and the monthly trend slope.",
        TrendsInput,
        TrendsOut,
        get_cost_trends,
        timeout_s=15.0,
    ),
    Tool(
        "get_service_breakdown",
        1,
        "Spend per service for a range with shares (they add up to 100 %) and change vs the previous period.",
        BreakdownInput,
        BreakdownOut,
        get_service_breakdown,
        timeout_s=15.0,
    ),
    Tool(
        "get_provider_breakdown",
        1,
        "Spend per cloud provider for a range with shares (they add up to 100 %) and change vs the previous period.",
        BreakdownInput,
        BreakdownOut,
        get_provider_breakdown,
        timeout_s=15.0,
    ),
    Tool(
        "get_anomalies",
        1,
        "Days whose spend on a provider/service deviates from its same-weekday baseline, with the method stated, "
        "expected vs actual amounts and the deviation.",
        AnomaliesInput,
        AnomaliesOut,
        get_anomalies,
        timeout_s=15.0,
        prompt="State the detection method briefly when you report anomalies.",
    ),
)
