"""The number checker: find the numbers in model-written text and trace each one to a fact.

Reusable by any scenario that lets a model write prose over tool data (chat, recommendation
text). `extract_numbers` reads Russian and English number formats ("1 234,56 ₽",
"12 500 RUB/month", "35 %", "$1,234.50", "1,2 млн ₽"); `trace` matches every number against the
numeric facts (tool results, the context pack, the user's own message) exactly, after rounding
to the precision written, or through a known derivation: ×12 / ÷12 (month ↔ year), a fraction
or a ratio shown as a percentage, a difference of two facts (e.g. savings = current − target).

Deliberately not derived: ×30 (day → month). That is exactly the unit confusion the old agent
made, so a number that only matches through it stays untraced.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# --- extraction -----------------------------------------------------------------------------

_SPACES = " \u00a0\u202f\u2009"
_CORE = re.compile(
    r"(?<![\w.,\-−/])"  # not the tail of an identifier ("web-1", "v1.2", "ru-1a", "1/2")
    r"(?P<sign>[-−–](?=\d))?"
    r"(?P<num>"
    rf"\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:[.,]\d+)?"  # 1 234,56 / 12 500
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,234.50
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"  # 1.234.567,8
    r"|\d+(?:[.,]\d+)?"  # 35 / 12.5 / 12,5
    r")"
)
# Spans that look numeric but are not quantities: dates, times, versions, list markers.
_NOT_QUANTITIES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|^[ \t>*-]*(?:\*\*)?\d{1,2}[.)](?=\s)",
    re.MULTILINE,
)
_CURRENCY_PREFIX = {"$": "USD", "€": "EUR", "₽": "RUB"}
_SUFFIX = re.compile(
    r"[ \u00a0\u202f\u2009]*(?:"
    r"(?P<mult>тыс\.?|тысяч[аи]?|млн\.?|млрд\.?|k|K|thousand|mln|million|M|bn|billion)"
    r"(?![\w])[ \u00a0\u202f\u2009]*)?"
    r"(?:(?P<pct>%|процент(?:а|ов)?|percent|pct|п\.\s?п\.)"
    r"|(?P<cur>₽|руб(?:\.|лей|ля|ль)?|р\.|RUB|rub|rubles?|roubles?|\$|USD|usd|dollars?|€|EUR|eur|euros?))?"
)
_PERIOD = re.compile(
    r"[ \u00a0\u202f\u2009]*(?:"
    r"(?P<month>/\s?(?:мес(?:яц)?\.?|month|mo)\b|в\s+мес(?:яц)?\b|per\s+month|a\s+month|monthly|ежемесячно)"
    r"|(?P<year>/\s?(?:год|year|yr)\b|в\s+год\b|per\s+year|a\s+year|yearly|annually|ежегодно)"
    r"|(?P<day>/\s?(?:день|сут(?:ки)?|day)\b|в\s+(?:день|сутки)\b|per\s+day|a\s+day|daily)"
    r"|(?P<hour>/\s?(?:час|h|hour|hr)\b|в\s+час\b|per\s+hour|an\s+hour|hourly)"
    r")",
    re.IGNORECASE,
)
_CURRENCY_WORDS = {
    "₽": "RUB",
    "руб": "RUB",
    "руб.": "RUB",
    "рублей": "RUB",
    "рубля": "RUB",
    "рубль": "RUB",
    "р.": "RUB",
    "rub": "RUB",
    "ruble": "RUB",
    "rubles": "RUB",
    "rouble": "RUB",
    "roubles": "RUB",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
}
_MULTIPLIERS = {
    "тыс": 1e3,
    "тысяч": 1e3,
    "тысяча": 1e3,
    "тысячи": 1e3,
    "k": 1e3,
    "thousand": 1e3,
    "млн": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "m": 1e6,
    "млрд": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
# Letters that may follow a number directly ("8GB", "4vCPU", "10x"); anything else glued to a
# number makes it part of an identifier ("4o", "1a") and not a quantity.
_GLUED_OK = re.compile(r"(?:GB|ГБ|TB|ТБ|MB|МБ|vCPU|CPU|ms|мс|s|с|x|х|k|K|M|%|ч|h|d|д)(?![\w])")


@dataclass(frozen=True)
class NumberMention:
    """One quantity as written in a text."""

    text: str  # exactly as written, unit included ("1 234,56 ₽")
    value: float  # multiplier applied ("1,2 млн" -> 1200000.0)
    unit: str | None  # "RUB" | "USD" | "EUR" | "%" | None
    period: str | None  # "month" | "year" | "day" | "hour" | None
    precision: float  # half of the last written digit's place, times the multiplier
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "unit": self.unit, "period": self.period}


def _parse_core(raw: str) -> tuple[float, int]:
    """(value, decimals written) from one matched number in any of the accepted formats."""
    s = raw
    for sp in _SPACES:
        s = s.replace(sp, "")
    if s.count(".") >= 2:  # 1.234.567,8 — dots group, comma is decimal
        s = s.replace(".", "").replace(",", ".")
    elif "," in s and "." in s:  # 1,234.50 — commas group
        s = s.replace(",", "")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        # "1,234" or "12,500,000": English grouping; "12,5" / "1 234,56": Russian decimal.
        grouped = len(tail) == 3 and (s.count(",") > 1 or len(head) <= 3) and raw == s
        s = s.replace(",", "") if grouped else head.replace(",", "") + "." + tail
    decimals = len(s.partition(".")[2])
    return float(s), decimals


_DIGIT = re.compile(r"\d")


def has_digits(text: str) -> bool:
    """Cheap pre-check: a text without digits holds no numbers to extract or trace."""
    return _DIGIT.search(text) is not None


def _masked(text: str) -> str:
    return _NOT_QUANTITIES.sub(lambda m: " " * len(m.group(0)), text)


def extract_numbers(text: str) -> list[NumberMention]:
    """Every quantity in `text`, in order. Dates, times, list markers and numbers that are part of
    identifiers (host names, SKUs, versions) are not quantities and are skipped."""
    if not has_digits(text):  # most strings in tool data are names and labels
        return []
    masked = _masked(text)
    found: list[NumberMention] = []
    for match in _CORE.finditer(masked):
        start, end = match.start(), match.end()
        after = masked[end:]
        if after[:1].isalpha() or after[:1] == "_":
            glued = _GLUED_OK.match(after)
            if glued is None:
                continue
        value, decimals = _parse_core(match.group("num"))
        if match.group("sign"):
            value = -value
        unit: str | None = None
        prefix = masked[start - 1] if start > 0 else ""
        if prefix == " " and start > 1 and masked[start - 2] in _CURRENCY_PREFIX:
            prefix = masked[start - 2]
        if prefix in _CURRENCY_PREFIX:
            unit = _CURRENCY_PREFIX[prefix]
            start = masked.rindex(prefix, 0, start)
        multiplier = 1.0
        suffix = _SUFFIX.match(masked, end)
        if suffix is not None and suffix.group(0).strip():
            mult = suffix.group("mult")
            if mult:
                multiplier = _MULTIPLIERS.get(mult.rstrip(".").lower(), 1.0)
            if suffix.group("pct"):
                unit = "%"
            elif suffix.group("cur"):
                unit = _CURRENCY_WORDS.get(suffix.group("cur").lower(), unit)
            if mult or suffix.group("pct") or suffix.group("cur"):
                end = suffix.end()
        period: str | None = None
        per = _PERIOD.match(masked, end)
        if per is not None:
            period = next(k for k in ("month", "year", "day", "hour") if per.group(k))
            end = per.end()
        precision = 0.5 * 10.0 ** (-decimals) * multiplier
        found.append(
            NumberMention(
                text=text[start:end].strip(),
                value=value * multiplier,
                unit=unit,
                period=period,
                precision=precision,
                start=start,
                end=end,
            )
        )
    return found


# --- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    source: str  # where it came from, e.g. "get_resource.monthly_cost.amount"
    value: float


def collect_facts(data: Any, source: str = "") -> list[Fact]:
    """Every number in a JSON-like structure, with its path; numbers inside strings (tool
    summaries such as "5 236.00 RUB/month") count too. Booleans are not numbers."""
    out: list[Fact] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, int | float):
            if math.isfinite(float(node)):
                out.append(Fact(path, float(node)))
        elif isinstance(node, str):
            for m in extract_numbers(node):
                out.append(Fact(path, m.value))
        elif isinstance(node, Fact):
            out.append(node)
        elif isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, Iterable):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(data, source)
    return out


# --- tracing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TracedNumber:
    mention: NumberMention
    traced: bool
    source: str | None = None
    derivation: str | None = None  # exact, rounded, yearly_x12, percent, ratio, difference… (see _trace_one)

    def to_dict(self) -> dict[str, Any]:
        return {**self.mention.to_dict(), "traced": self.traced, "source": self.source, "derivation": self.derivation}


@dataclass(frozen=True)
class Grounding:
    numbers: list[TracedNumber] = field(default_factory=list)

    @property
    def untraced(self) -> list[TracedNumber]:
        return [n for n in self.numbers if not n.traced]

    @property
    def ok(self) -> bool:
        return not self.untraced

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": len(self.numbers),
            "untraced": [n.mention.text for n in self.untraced],
            "numbers": [n.to_dict() for n in self.numbers],
        }


class _Index:
    """Fact values sorted once so every lookup (direct or derived) is a bisect."""

    def __init__(self, facts: list[Fact]):
        pairs = sorted(((f.value, f.source) for f in facts), key=lambda p: p[0])
        self.values = [p[0] for p in pairs]
        self.sources = [p[1] for p in pairs]

    def find(self, lo: float, hi: float) -> str | None:
        i = bisect.bisect_left(self.values, lo)
        if i < len(self.values) and self.values[i] <= hi:
            return self.sources[i]
        return None


# Tolerances beyond the written precision: floating error, and one-unit rounding on derived values.
_EPS = 1e-9


def _rounding_precision(m: NumberMention) -> float:
    """Numbers written with trailing zeros ("≈5 200 ₽") may be rounded to that place."""
    base = m.precision
    if m.unit != "%" and abs(m.value) >= 100 and float(m.value).is_integer():
        n = abs(int(m.value))
        place = 1
        while n and n % 10 == 0 and place < 1e9:
            n //= 10
            place *= 10
        base = max(base, 0.5 * place)
    return base


Bounds = Callable[[float], tuple[float, float]]


def _pairwise_candidates(m: NumberMention, tol: float, rtol: float) -> list[tuple[str, Bounds]]:
    """Derivations from two facts a, b: for a given b, the range a must fall in."""
    v = m.value
    if m.unit == "%":
        return [
            # a / b × 100 (e.g. savings / current cost)
            ("ratio", lambda b: ((v - tol) * b / 100, (v + tol) * b / 100)),
            # (a − b) / a × 100 = v  <=>  a = b / (1 − v/100) (e.g. (current − target) / current)
            (
                "relative_difference",
                lambda b: (
                    (b / (1 - (v - tol) / 100), b / (1 - (v + tol) / 100)) if v + tol < 100 else (math.inf, -math.inf)
                ),
            ),
        ]
    if v <= 0 or (m.unit is None and m.period is None):
        # Money only: among many facts some pair differs by almost any plain number.
        return []
    out: list[tuple[str, Bounds]] = [("difference", lambda b: (b + v - rtol, b + v + rtol))]
    if m.period != "month":
        out.append(("yearly_difference_x12", lambda b: (b + (v - rtol) / 12, b + (v + rtol) / 12)))
    return out


def _trace_one(m: NumberMention, idx: _Index, small_ok: bool) -> TracedNumber:
    v, tol = m.value, m.precision + _EPS
    candidates: list[tuple[str, float, float]] = [("exact", v - tol, v + tol)]
    rtol = _rounding_precision(m) + _EPS
    if rtol > tol:
        candidates.append(("rounded", v - rtol, v + rtol))
    if m.unit == "%":
        candidates.append(("percent", (v - tol) / 100, (v + tol) / 100))
    else:
        if m.period != "month":
            candidates.append(("yearly_x12", (v - rtol) / 12, (v + rtol) / 12))
        if m.period != "year":
            candidates.append(("monthly_div12", (v - rtol) * 12, (v + rtol) * 12))
    for name, lo, hi in candidates:
        src = idx.find(lo, hi)
        if src is not None:
            return TracedNumber(m, True, src, name)
    pairwise = _pairwise_candidates(m, tol, rtol)
    for b, src_b in zip(idx.values, idx.sources, strict=True):
        if b <= 0:
            continue
        for name, bounds in pairwise:
            lo, hi = bounds(b)
            src_a = idx.find(lo, hi)
            if src_a is not None and src_a != src_b:
                return TracedNumber(m, True, f"{src_a} ~ {src_b}", name)
    if small_ok and m.unit is None and float(m.value).is_integer() and 0 <= m.value <= 10:
        # counts and ordinals ("3 steps", "top 5") carry no money claim
        return TracedNumber(m, True, None, "small_integer")
    return TracedNumber(m, False)


def trace(text: str, facts: Any, *, allow_small_integers: bool = True) -> Grounding:
    """Trace every number of `text` to `facts` (a JSON-like structure, or a list of `Fact`)."""
    fact_list = facts if isinstance(facts, list) and all(isinstance(f, Fact) for f in facts) else collect_facts(facts)
    idx = _Index(fact_list)
    return Grounding([_trace_one(m, idx, allow_small_integers) for m in extract_numbers(text)])
