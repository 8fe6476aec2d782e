"""Scoring an answer against the figures it must contain.

The figures an answer states are read from its text the way a reader would read them, in the
question's language (Russian: «1 335 129,86 ₽», «3,5 %»; English: «1,335,129.86 RUB», «$14.98»,
«-4%»), with scale words («1,3 млн ₽», «$1.3M») and every kind of minus. Each figure gets a kind
from what stands next to it: money (a currency sign or code), percent, or a plain number.

An expected figure is *right* when a stated figure of its kind equals it to the precision shown
(«+3 %» is right for 2.97 %, «1,34 млн ₽» for 1 335 129.86 ₽); *wrong* when the nearest stated
figure of its kind is within 25 % of it but not equal (an attempt at the figure that missed);
*missing* otherwise. Names and days are expected as text (case-insensitive). An answer is correct
when every expected figure is right: one missed figure fails the question.

Nothing here knows the service: the scorer reads text, the expectations come from expected.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "percent", "number", "text"]
NEAR = 0.25  # a stated figure this close (relative) to an expected one is an attempt at it

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"#\d+|\b\d+(?:c|g|gb|vcpu)\d*\w*|\b[a-z]+[.-]\S*\d\S*", re.IGNORECASE)  # ids, SKUs: not figures
_CURRENCY = r"(?:₽|руб\w*|rub\b|usd\b|eur\b|\$|€|us\$)"
_SCALES = {
    "тыс": 1e3,
    "млн": 1e6,
    "млрд": 1e9,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
}
_NUMBER = {
    "ru": r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?",
    "en": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?",
}
_SCALE = r"(?:\s?(?P<scale>тыс|млн|млрд|thousand|million|billion|bn|mn|[kmKM])\b\.?)?"


@dataclass(frozen=True)
class Stated:
    """A figure as the answer states it: its value, the unit of its last shown digit, its kind."""

    value: float
    step: float
    kind: Kind
    text: str


@dataclass(frozen=True)
class Figure:
    """A figure the answer must contain (from expected.py)."""

    name: str
    value: float | str
    kind: Kind

    def describe(self) -> str:
        return f"{self.name}={self.value}"


def _pattern(lang: str) -> re.Pattern[str]:
    number = _NUMBER["en" if lang == "en" else "ru"]
    return re.compile(
        rf"(?P<pre>{_CURRENCY}\s?)?(?P<sign>[-+−–])?\s?(?P<num>{number}){_SCALE}"
        rf"(?P<post>\s?(?:%|{_CURRENCY}))?",
        re.IGNORECASE,
    )


def stated_figures(text: str, lang: str) -> list[Stated]:
    """Every figure in `text`, read in `lang`'s number format (dates, ids and SKUs skipped)."""
    clean = _ID.sub(" ", _DATE.sub(" ", text))
    decimal, group = (".", ",") if lang == "en" else (",", " ")
    out: list[Stated] = []
    for m in _pattern(lang).finditer(clean):
        raw = m.group("num")
        digits = raw.replace("\u00a0", " ").replace("\u202f", " ")
        if group != " ":
            digits = digits.replace(group, "")
        digits = digits.replace(" ", "")
        whole, _, frac = digits.partition(decimal)
        value = float(f"{whole}.{frac}" if frac else whole)
        step = 10.0 ** -len(frac) if frac else 1.0
        scale = _SCALES.get((m.group("scale") or "").lower(), 1.0)
        before = clean[m.start() - 1] if m.start() else " "
        if m.group("sign") in ("-", "−", "–") and (before.isspace() or before in "(:;,"):
            value = -value  # a minus; a dash right after a figure is a range ("5–7")
        post = (m.group("post") or "").strip()
        kind: Kind = "percent" if post == "%" else "money" if (post or m.group("pre")) else "number"
        out.append(Stated(value * scale, step * scale, kind, m.group(0).strip()))
    return out


@dataclass(frozen=True)
class Verdict:
    right: list[str]
    wrong: list[str]  # "name: expected X, stated Y"
    missing: list[str]

    @property
    def correct(self) -> bool:
        return not self.wrong and not self.missing


def _equal(expected: float, stated: Stated) -> bool:
    # the precision shown, plus a hair for float noise in the expected side
    return abs(stated.value - expected) <= stated.step / 2 + 1e-6 * max(1.0, abs(expected))


def score(text: str, lang: str, expected: list[Figure]) -> Verdict:
    figures = stated_figures(text, lang)
    lowered = text.lower()
    right: list[str] = []
    wrong: list[str] = []
    missing: list[str] = []
    for fig in expected:
        if fig.kind == "text":
            (right if str(fig.value).lower() in lowered else missing).append(fig.name)
            continue
        value = float(fig.value)
        same = [s for s in figures if s.kind == fig.kind or (fig.kind == "number" and s.kind == "number")]
        if any(_equal(value, s) for s in same):
            right.append(fig.name)
            continue
        near = [s for s in same if not math.isclose(value, 0.0) and abs(s.value - value) <= NEAR * abs(value)]
        if near:
            closest = min(near, key=lambda s: abs(s.value - value))
            wrong.append(f"{fig.name}: expected {value:g}, stated {closest.text}")
        else:
            missing.append(fig.name)
    return Verdict(right, wrong, missing)
