"""Cost forecast from a daily series: a linear trend plus a weekday effect, fitted by least squares,
with a prediction interval for each horizon's total that counts both the day-to-day noise and the
uncertainty of the fitted trend. Small enough to solve exactly (8 unknowns), so no numeric
library is loaded for it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

MIN_DAYS = 28  # four full weeks: every weekday seen four times
Z = {0.8: 1.2816, 0.9: 1.6449, 0.95: 1.96}
METHOD = (
    "Least squares on the daily spend: level + trend per day + one effect per weekday (Monday…Sunday); "
    "a horizon's total is the sum of its fitted days; its interval adds the day-to-day scatter of the "
    "history and the uncertainty of the fitted trend (normal residuals assumed)."
)


@dataclass(frozen=True)
class Fit:
    start: date  # day 0 of the trend
    weekday: tuple[float, ...]  # the level of each weekday at day 0 (Monday first)
    slope: float  # per day
    sigma: float  # residual standard deviation, per day
    inverse: tuple[tuple[float, ...], ...]  # (XᵀX)⁻¹, for the interval
    days: int

    def expected(self, day: date) -> float:
        t = (day - self.start).days
        return self.weekday[day.weekday()] + self.slope * t

    def total(self, first: date, last: date, confidence: float = 0.8) -> tuple[float, float, float]:
        """(point, low, high) of the total spend from `first` to `last` inclusive."""
        n = (last - first).days + 1
        row = [0.0] * 8
        point = 0.0
        for i in range(n):
            day = first + timedelta(days=i)
            point += self.expected(day)
            row[day.weekday()] += 1.0
            row[7] += (day - self.start).days
        spread = sum(row[a] * self.inverse[a][b] * row[b] for a in range(8) for b in range(8))
        se = self.sigma * math.sqrt(n + spread)
        z = Z[confidence]
        return point, max(0.0, point - z * se), point + z * se


def _solve(a: list[list[float]]) -> list[list[float]]:
    """The inverse of a small symmetric positive-definite matrix (Gauss–Jordan with pivoting)."""
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            raise ValueError("the series is too short or too regular to fit")
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        m[col] = [v / p for v in m[col]]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col]
                m[r] = [v - f * w for v, w in zip(m[r], m[col], strict=True)]
    return [row[n:] for row in m]


def fit(days: list[date], amounts: list[float]) -> Fit:
    """Fits daily totals (one per day, consecutive, at least MIN_DAYS)."""
    if len(days) < MIN_DAYS:
        raise ValueError(f"a forecast needs at least {MIN_DAYS} days of history, there are {len(days)}")
    start = days[0]
    rows = []
    for d in days:
        x = [0.0] * 8
        x[d.weekday()] = 1.0
        x[7] = float((d - start).days)
        rows.append(x)
    xtx = [[sum(r[a] * r[b] for r in rows) for b in range(8)] for a in range(8)]
    xty = [sum(r[a] * y for r, y in zip(rows, amounts, strict=True)) for a in range(8)]
    inverse = _solve(xtx)
    beta = [sum(inverse[a][b] * xty[b] for b in range(8)) for a in range(8)]
    residuals = [y - sum(b * v for b, v in zip(beta, r, strict=True)) for r, y in zip(rows, amounts, strict=True)]
    dof = max(1, len(days) - 8)
    sigma = math.sqrt(sum(e * e for e in residuals) / dof)
    return Fit(start, tuple(beta[:7]), beta[7], sigma, tuple(tuple(r) for r in inverse), len(days))


def next_month(after: date) -> tuple[date, date]:
    """The calendar month after `after`'s month (data to 30 June → July)."""
    first = (after.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def next_quarter(after: date) -> tuple[date, date]:
    """The calendar quarter after `after`'s quarter (data to 30 June → July–September)."""
    q = (after.month - 1) // 3
    year, month = (after.year + 1, 1) if q == 3 else (after.year, 3 * (q + 1) + 1)
    first = date(year, month, 1)
    last = (date(year + (month + 3 > 12), (month + 2) % 12 + 1, 1)) - timedelta(days=1)
    return first, last
