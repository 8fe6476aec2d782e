"""Money units, converted once at the edge: the canonical period is the month (730 hours)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24  # 30.4167: the same month the hourly prices use
MONTHS_PER_YEAR = 12

Period = Literal["month", "day", "year", "range"]

# Smallest saving worth a recommendation, per currency (the rule is max(this, 10 %)).
MIN_SAVINGS = {"RUB": 100.0, "USD": 1.5}


class Money(BaseModel):
    """An amount with its currency and the period it covers ("range": the time range stated
    beside it)."""

    amount: float
    currency: str
    period: Period


def round2(value: float | Decimal) -> float:
    """Half-up to kopecks/cents, as billing does (not banker's rounding)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def money(amount: float | Decimal, currency: str, period: Period = "month") -> Money:
    return Money(amount=round2(amount), currency=currency, period=period)


def kopecks_per_hour_to_monthly_rub(kopecks: float) -> float:
    """Selectel's billing API answers kopecks per hour per unit."""
    return kopecks / 100 * HOURS_PER_MONTH
