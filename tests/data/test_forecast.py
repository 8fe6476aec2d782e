"""The forecast on known synthetic series (trend + weekly cycle + noise): the point lands near the
truth and the stated 80 % interval holds the true total about 80 % of the time (measured over many
series, not one); a flat series forecasts flat; too little history is refused."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from infrazen_agent.data import forecast as fc

START = date(2025, 4, 1)
WEEKLY = (120.0, 100.0, 100.0, 100.0, 110.0, -180.0, -250.0)  # weekdays busy, weekends quiet


def _series(rng: random.Random, days: int, level: float, slope: float, noise: float) -> list[float]:
    return [
        level + slope * t + WEEKLY[(START + timedelta(days=t)).weekday()] + rng.gauss(0, noise) for t in range(days)
    ]


def _truth(level: float, slope: float, first: date, last: date) -> float:
    total, day = 0.0, first
    while day <= last:
        t = (day - START).days
        total += level + slope * t + WEEKLY[day.weekday()]
        day += timedelta(days=1)
    return total


def test_point_and_interval_on_known_series() -> None:
    rng = random.Random(7)
    inside, errors, trials = 0, [], 300
    for _ in range(trials):
        level, slope, noise = rng.uniform(2_000, 50_000), rng.uniform(-20, 60), rng.uniform(20, 400)
        amounts = _series(rng, 90, level, slope, noise)
        days = [START + timedelta(days=t) for t in range(90)]
        model = fc.fit(days, amounts)
        first, last = fc.next_month(days[-1])
        # the truth of a future month: its expected total plus that month's own noise
        truth = _truth(level, slope, first, last) + sum(rng.gauss(0, noise) for _ in range((last - first).days + 1))
        point, low, high = model.total(first, last, 0.8)
        inside += low <= truth <= high
        errors.append(abs(point - truth) / truth)
    coverage = inside / trials
    print(f"80% interval coverage {coverage:.1%}, median error {sorted(errors)[trials // 2]:.2%}")
    assert 0.74 <= coverage <= 0.86
    assert sorted(errors)[trials // 2] < 0.02


def test_weekly_cycle_and_trend_are_recovered() -> None:
    rng = random.Random(1)
    amounts = _series(rng, 84, 10_000, 25, 1)
    model = fc.fit([START + timedelta(days=t) for t in range(84)], amounts)
    assert model.slope == pytest.approx(25, abs=0.2)
    monday, sunday = date(2025, 7, 7), date(2025, 7, 13)
    assert model.expected(monday) - model.expected(sunday) == pytest.approx(WEEKLY[0] - WEEKLY[6] - 6 * 25, abs=5)


def test_a_flat_series_forecasts_flat_with_a_tight_interval() -> None:
    days = [START + timedelta(days=t) for t in range(60)]
    model = fc.fit(days, [1000.0] * 60)
    point, low, high = model.total(*fc.next_quarter(days[-1]))
    assert point == pytest.approx(1000.0 * 92) and high - low < 1e-6


def test_too_little_history_is_refused() -> None:
    days = [START + timedelta(days=t) for t in range(20)]
    with pytest.raises(ValueError, match="at least 28 days"):
        fc.fit(days, [1.0] * 20)


@pytest.mark.parametrize(
    ("after", "month", "quarter"),
    [
        (date(2025, 6, 30), (date(2025, 7, 1), date(2025, 7, 31)), (date(2025, 7, 1), date(2025, 9, 30))),
        (date(2025, 12, 2), (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2024, 1, 15), (date(2024, 2, 1), date(2024, 2, 29)), (date(2024, 4, 1), date(2024, 6, 30))),
        (date(2025, 10, 31), (date(2025, 11, 1), date(2025, 11, 30)), (date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_calendar_periods(after: date, month: tuple[date, date], quarter: tuple[date, date]) -> None:
    assert fc.next_month(after) == month and fc.next_quarter(after) == quarter
