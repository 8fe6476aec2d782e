"""Anomaly detection on synthetic series: weekly cycles and growth are quiet, a spike is found,
a lasting change of level is reported once."""

from __future__ import annotations

from datetime import date, timedelta

from infrazen_agent.data.anomalies import LOOKBACK_DAYS, detect

START = date(2025, 1, 1)
KEY = ("selectel", "compute")


def series(days: int, spikes: dict[int, float] | None = None, shift_at: int | None = None) -> dict[date, float]:
    out = {}
    for i in range(days):
        day = START + timedelta(days=i)
        value = 1000 * (1 + 0.001 * i) * (0.85 if day.weekday() >= 5 else 1.0) * (1 + 0.01 * ((i * 7) % 5 - 2))
        if shift_at is not None and i >= shift_at:
            value *= 1.6
        out[day] = value * (spikes or {}).get(i, 1.0)
    return out


def window(days: int) -> tuple[date, date]:
    return START + timedelta(days=LOOKBACK_DAYS), START + timedelta(days=days - 1)


def test_weekly_cycles_and_growth_are_not_anomalies() -> None:
    start, end = window(180)
    assert detect({KEY: series(180)}, start, end) == []


def test_a_spike_is_found_with_its_baseline() -> None:
    start, end = window(180)
    [found] = detect({KEY: series(180, spikes={120: 2.5})}, start, end)
    assert found.day == START + timedelta(days=120) and found.kind == "spike" and found.key == KEY
    assert found.deviation > 1.2 and found.expected > 0 and found.amount > 2 * found.expected
    drop = detect({KEY: series(180, spikes={100: 0.3})}, start, end)
    assert [a.kind for a in drop] == ["drop"]


def test_a_level_shift_is_reported_once() -> None:
    start, end = window(180)
    found = detect({KEY: series(180, shift_at=110)}, start, end)
    assert [(a.kind, a.day) for a in found] == [("level_shift", START + timedelta(days=110))]


def test_new_spend_is_not_an_anomaly() -> None:
    data = {d: v for d, v in series(180).items() if d >= START + timedelta(days=100)}
    start, end = window(180)
    assert detect({KEY: data}, start, end) == []
