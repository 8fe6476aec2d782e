"""`forecast_costs`: the tenant's spend for the rest of this month, next month and next quarter,
from its daily series (trend + weekday effect), each with an interval and the method stated."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..data import forecast as fc
from ..data.money import Money, money
from ..errors import InvalidInput, NotFound
from ..wording import format_amount
from .common import RangeView, ToolInput, source_of
from .registry import Tool, ToolContext

HISTORY_DAYS = 90


class ForecastInput(ToolInput):
    history_days: int = Field(default=HISTORY_DAYS, ge=fc.MIN_DAYS, le=366, description="days of history to fit")
    confidence: float = Field(default=0.8, description="the interval's confidence: 0.8, 0.9 or 0.95")

    @field_validator("confidence")
    @classmethod
    def _known(cls, value: float) -> float:
        if value not in fc.Z:
            raise ValueError("confidence is 0.8, 0.9 or 0.95")
        return value


class ForecastPeriod(BaseModel):
    period: Literal["this_month", "next_month", "next_quarter"]
    start: date
    end: date
    days: int
    forecast: Money = Field(description="the period's total: actual days so far + forecast days")
    low: Money
    high: Money
    actual_so_far: Money | None = Field(description="this_month only: spend already in the data")


class ForecastOut(BaseModel):
    history: RangeView
    currency: str
    method: str
    confidence: float
    interval_pct: float = Field(description="the confidence as a percentage (80: an 80 % interval)")
    periods: list[ForecastPeriod]
    trend_pct_per_month: float | None = Field(description="the fitted trend, % of the mean daily spend per 30.42 days")
    next_month_vs_last_30_days_pct: float | None


def _money(v: float, cur: str) -> Money:
    return money(round(v, 2), cur, "range")


async def forecast_costs(ctx: ToolContext, args: ForecastInput) -> tuple[ForecastOut, str]:
    source = source_of(ctx)
    bounds = await source.cost_bounds(ctx.principal)
    if bounds.last_day is None:
        raise NotFound("no cost data for this tenant yet")
    end = bounds.last_day
    start = end - timedelta(days=args.history_days - 1)
    series = await source.cost_series(ctx.principal, start, end, "total")
    by_day: dict[date, float] = {}
    for d, a in zip(series.days, series.amounts, strict=True):
        by_day[d] = by_day.get(d, 0.0) + a
    first = min(by_day) if by_day else end
    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    try:
        model = fc.fit(days, [by_day.get(d, 0.0) for d in days])
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    cur = series.currency or bounds.currency
    periods: list[ForecastPeriod] = []
    month_end = fc.next_month(end)[0] - timedelta(days=1)
    if end < month_end:
        so_far = sum(v for d, v in by_day.items() if d.year == end.year and d.month == end.month)
        point, low, high = model.total(end + timedelta(days=1), month_end, args.confidence)
        periods.append(
            ForecastPeriod(
                period="this_month",
                start=end.replace(day=1),
                end=month_end,
                days=month_end.day,
                forecast=_money(so_far + point, cur),
                low=_money(so_far + low, cur),
                high=_money(so_far + high, cur),
                actual_so_far=_money(so_far, cur),
            )
        )
    for name, (p_start, p_end) in (("next_month", fc.next_month(end)), ("next_quarter", fc.next_quarter(end))):
        point, low, high = model.total(p_start, p_end, args.confidence)
        periods.append(
            ForecastPeriod(
                period=name,  # type: ignore[arg-type]
                start=p_start,
                end=p_end,
                days=(p_end - p_start).days + 1,
                forecast=_money(point, cur),
                low=_money(low, cur),
                high=_money(high, cur),
                actual_so_far=None,
            )
        )
    mean = sum(by_day.get(d, 0.0) for d in days) / len(days)
    trend = round(model.slope * 30.42 / mean * 100, 2) if mean else None
    last30 = sum(by_day.get(end - timedelta(days=i), 0.0) for i in range(30))
    nxt = next(p for p in periods if p.period == "next_month")
    vs = round((nxt.forecast.amount / nxt.days * 30) / last30 * 100 - 100, 2) if last30 else None
    out = ForecastOut(
        history=RangeView(start=first, end=end, days=len(days), basis="last days of data"),
        currency=cur,
        method=fc.METHOD,
        confidence=args.confidence,
        interval_pct=round(args.confidence * 100),
        periods=periods,
        trend_pct_per_month=trend,
        next_month_vs_last_30_days_pct=vs,
    )
    summary = "; ".join(
        f"{p.period} {p.start}..{p.end}: {format_amount(p.forecast, 'en')} "
        f"({format_amount(p.low, 'en')}–{format_amount(p.high, 'en')})"
        for p in periods
    )
    return out, f"forecast from {len(days)} days, {int(args.confidence * 100)}% interval: {summary}"


TOOLS = (
    Tool(
        "forecast_costs",
        1,
        "Forecast of total spend for the rest of this month, next month and next quarter from the daily series "
        "(linear trend + weekday effect), each with a low–high interval; the method is stated.",
        ForecastInput,
        ForecastOut,
        forecast_costs,
        timeout_s=15.0,
        prompt="Give the interval with a forecast and say it is a forecast, not data.",
    ),
)
