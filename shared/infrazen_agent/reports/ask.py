"""What a chat question asks a report to be — its reader and period — for the offline chat's
proposal (a model fills `create_report`'s arguments itself): "отчёт для финдиректора за квартал"
→ cfo, 90 days."""

from __future__ import annotations

import re
from typing import Any

_PERSONAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cfo", re.compile(r"финанс|финдир|бухгалт|\bcfo\b|financ|accountant", re.I)),
    ("cto", re.compile(r"техническ|техдир|архитект|инженер|\bcto\b|engineer|technical|architect", re.I)),
    ("product", re.compile(r"продукт|product", re.I)),
    ("finops", re.compile(r"finops|финопс", re.I)),
)
_NUMBER_WORDS = {
    "одн": 1,
    "один": 1,
    "одна": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "twelve": 12,
    "двенадцать": 12,
}
_UNITS: tuple[tuple[int, str], ...] = (
    (1, r"дн|день|дней|days?\b|d\b"),
    (7, r"недел|weeks?\b"),
    (30, r"месяц|months?\b"),
    (90, r"квартал|quarters?\b"),
    (365, r"год|лет|years?\b"),
)
# "3 месяца", "six months", "за 2 недели": a count and a unit
_COUNTED = re.compile(
    r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*(" + "|".join(f"(?:{u})" for _, u in _UNITS) + ")", re.I
)
# then a named period, longest first: "полгода" before "год", "квартал" before "месяц"
_PERIODS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (180, re.compile(r"полгода|полугод|half.?year", re.I)),
    (365, re.compile(r"\bгод\b|\bгода\b|за год|\byear\b|annual", re.I)),
    (90, re.compile(r"квартал|\bquarter", re.I)),
    (30, re.compile(r"месяц|\bmonth", re.I)),
    (7, re.compile(r"недел|\bweek", re.I)),
)


def _days_of(question: str) -> int | None:
    if m := _COUNTED.search(question):
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = next(days for days, pattern in _UNITS if re.match(pattern, m.group(2), re.I))
        return n * unit
    return next((d for d, pattern in _PERIODS if pattern.search(question)), None)


def report_arguments(question: str, language: str, default_days: int | None = None) -> dict[str, Any]:
    persona = next((p for p, pattern in _PERSONAS if pattern.search(question)), "finops")
    days = min(366, max(1, _days_of(question) or default_days or 30))
    return {"persona": persona, "days": days, "language": "en" if language == "en" else "ru", "format": "both"}
