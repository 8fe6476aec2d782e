"""Cost anomaly detection over daily series: a seasonal baseline (same weekday) with a robust
spread, so weekly cycles and slow growth are not flagged but a spike is; a lasting change of
level (a new cluster, a stopped server) is reported once, on its first day, as a level shift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Literal

WEEKS = 4  # the baseline's median below assumes four
SPREAD_DAYS = 28
LOOKBACK_DAYS = 7 * WEEKS + SPREAD_DAYS  # history a range needs before its first day
CONFIRM_DAYS = 3  # days after a flagged day that tell a spike from a level shift
MIN_RELATIVE = 0.20  # never flag a move smaller than 20 % of the baseline
SENSITIVITY = {"low": 4.0, "normal": 3.0, "high": 2.5}

METHOD = (
    "Per provider/service daily series: expected = median of the same weekday in the previous 4 weeks; "
    "relative deviation = actual / expected − 1; flagged when |deviation| > max(k × 1.4826 × MAD of the "
    "deviations over the previous 28 days, 20 %), k = 4 / 3 / 2.5 for low / normal / high sensitivity. "
    "If the next 3 days stay at the new level it is one 'level_shift' (reported on its first day), "
    "otherwise a 'spike' or 'drop'. Days whose baseline has days without spend are skipped."
)


@dataclass(frozen=True)
class Anomaly:
    day: date
    key: tuple[str, str]
    kind: Literal["spike", "drop", "level_shift"]
    amount: float
    expected: float
    deviation: float  # relative to expected
    score: float  # |deviation| in robust standard deviations (capped at 99)


def detect(
    series: dict[tuple[str, str], dict[date, float]], start: date, end: date, k: float = SENSITIVITY["normal"]
) -> list[Anomaly]:
    first = start - timedelta(days=LOOKBACK_DAYS)
    n = (end - first).days + 1
    days = [first + timedelta(days=i) for i in range(n)]
    begin = LOOKBACK_DAYS
    found: list[Anomaly] = []
    for key, by_day in series.items():
        values = [by_day.get(d, 0.0) for d in days]
        expected: list[float | None] = [None] * n
        deviation: list[float | None] = [None] * n
        for i in range(7 * WEEKS, n):
            prior = sorted(values[i - 7 * w] for w in range(1, WEEKS + 1))
            if prior[0] > 0:
                base = (prior[1] + prior[2]) / 2  # the median of four
                expected[i], deviation[i] = base, values[i] / base - 1
        in_shift = False
        for i in range(begin, n):
            dev, e = deviation[i], expected[i]
            if dev is None or e is None or abs(dev) <= MIN_RELATIVE:
                in_shift = False  # below the floor nothing is flagged: skip the spread (most days)
                continue
            history = [d for d in deviation[i - SPREAD_DAYS : i] if d is not None]
            if len(history) < SPREAD_DAYS // 2:
                continue
            centre = median(history)
            spread = 1.4826 * median(abs(h - centre) for h in history)
            threshold = max(k * spread, MIN_RELATIVE)
            if abs(dev) <= threshold:
                in_shift = False
                continue
            if in_shift:
                continue  # the same shift, already reported on its first day
            after = [values[j] / e - 1 for j in range(i + 1, min(i + 1 + CONFIRM_DAYS, n))]
            in_shift = len(after) == CONFIRM_DAYS and all(abs(a) > threshold and (a > 0) == (dev > 0) for a in after)
            kind: Literal["spike", "drop", "level_shift"] = (
                "level_shift" if in_shift else "spike" if dev > 0 else "drop"
            )
            found.append(
                Anomaly(
                    day=days[i],
                    key=key,
                    kind=kind,
                    amount=values[i],
                    expected=e,
                    deviation=dev,
                    score=min(abs(dev) / spread, 99.0) if spread else 99.0,
                )
            )
    found.sort(key=lambda a: (a.day, a.key), reverse=True)
    return found
