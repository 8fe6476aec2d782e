"""Matching by meaning: a claim traces only to a fact of a compatible kind, unit, currency and
period, through declared conversions only.

- money: same currency; month ↔ year ×12; a claim with no period matches a fact of any period as
  it is; a day figure only a day fact (never ×30: the unit confusion the old agent made). A claim
  with no currency (a table cell) matches money in any currency, as it is.
- percent: declared percent facts, or the ratio of a declared pair (savings / current cost);
  ratio ("в 1,6 раза", "3×"): a declared pair's ratio, either way round.
- size (TB/MB → GB), CPU, durations (weeks → days), counts, scores: facts of that kind.
- a bare number: a fact of any kind with that value; 12 and 730 are the declared conversions.
- what a sentence says the figure is ("сейчас", "после переезда", "экономия", "down from") must
  agree with the fact's name: current cost, target cost and savings are never interchangeable.

Tolerance follows the claim's own precision (half its last written digit); a round number
("14 000", "15 тыс.") may round to its last non-zero place, capped at 2 % of its value, or 10 %
with an approximation marker (≈, около, about…).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .claims import Claim, extract_claims
from .facts import Fact

# Fact-name pairs whose ratio a / b is a citable percentage ("63,5 % дешевле") or multiple ("в 2,7 раза").
RATIO_PAIRS: tuple[tuple[str, str], ...] = (
    ("savings.monthly", "cost.current.monthly"),
    ("cost.target.monthly", "cost.current.monthly"),
    ("cost.current.monthly", "cost.target.monthly"),
    ("savings.potential.monthly", "spend.run_rate.monthly"),
    ("savings.potential.monthly", "inventory.cost.monthly"),
)
# The declared constants a figure may be, by how it may be written: months per year, hours per month.
CONVERSIONS = {
    12.0: {("number", None), ("ratio", "x"), ("duration", "month")},
    730.0: {("number", None), ("duration", "h")},
}
APPROX_CAP = 0.10
ROUND_CAP = 0.02
RATIO_CAP = 0.10
_EPS = 1e-9
# Money facts keep kopecks; a figure written with them may be off by the fact's own rounding.
_FACT_ROUNDING = 0.005

# What a clause says a money figure is, and the fact names that may back it.
_SAVINGS = ("savings", "delta", "alternatives.delta", "screenshot.delta")
_TARGET = ("cost.target", "alternatives", "target", "prices")
# What a screenshot or the data says a bill is now ("сейчас в счёте …") is a current figure too.
_CURRENT = ("cost.current", "resource.cost", "screenshot.", "data.")
_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(r"эконом\w*|сбереж\w*|выгод\w*|save[sd]?|saving\w*|cheaper by|дешевле на", re.I),
        _SAVINGS,
    ),
    (
        re.compile(
            r"после\w*|будет|станет|обойд\w*|would|will|after|new\b|target|целев\w*"
            r"|\bна (?-i:[A-ZА-Я])|\bat (?-i:[A-Z])",
            re.I,
        ),
        _TARGET,
    ),
    (
        re.compile(
            r"сейчас|текущ\w*|сегодня|now|currently|today|current\w*|вместо|instead of|down from|was|было|платите",
            re.I,
        ),
        _CURRENT,
    ),
)
_CLAUSE_END = re.compile(r"[.;!?\n,:—–()|]|\b(?:vs\.?|versus|против|а не|compared to|по сравнению с)\b")
# What a clause says a percentage is about.
_PERCENT_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bCPU\b|ЦП|процессор\w*", re.I), ("snapshot.cpu", "target.cpu", "advice.rollback")),
    (re.compile(r"\bRAM\b|памят\w*|memory|ОЗУ", re.I), ("snapshot.ram",)),
    (
        re.compile(r"эконом\w*|дешевле|cheaper|save[sd]?|saving\w*|less|меньше", re.I),
        ("savings", "delta_pct", "alternatives.delta_pct"),
    ),
)
# Words after a figure that say what it was ("… today", "… of savings"); words that introduce the
# next figure ("вместо", "down from") are not read after one.
# One pattern, a group per subject (one search instead of three: every word starts with a
# letter, so the leading \W* ends at the same place for each).
_TAIL_CUE = re.compile(
    r"^\W*(?:"
    r"(?P<savings>(?:of |in )?(?:экономи\w*|savings?|saved))"
    r"|(?P<target>после\w*|after)"
    r"|(?P<current>сейчас|сегодня|now|today|currently|at the moment)"
    r")",
    re.I,
)
_TAIL_NAMES = {"savings": _SAVINGS, "target": _TARGET, "current": _CURRENT}
_DIGITS = re.compile(r"\d")
_QUOTED = "knowledge."  # facts of search_knowledge passages (tools/facts.py)


# Which count facts a counted noun may back (claims.py names the noun).
_COUNT_NAMES: dict[str, tuple[str, ...]] = {
    "node": ("spec.nodes", "quantity"),
    "alternative": ("alternatives.count",),
    "step": ("plan.steps.count",),
    "recommendation": ("recommendations.",),
    "anomaly": ("anomalies.",),
    "resource": ("resources.count", "inventory"),
    "provider": ("providers.count",),
}


@dataclass(slots=True)  # not frozen, for speed (see Claim)
class TracedClaim:
    claim: Claim
    traced: bool
    fact: Fact | None = None
    # exact | rounded | approx | yearly_div12 | monthly_x12 | ratio | percent_of_pair | conversion
    derivation: str | None = None
    reason: str | None = None  # why untraced: no_fact | wrong_subject

    @property
    def source(self) -> str | None:
        return self.fact.name if self.fact else (self.derivation if self.traced else None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.claim.to_dict(),
            "traced": self.traced,
            "source": self.source,
            "derivation": self.derivation,
        }
        if self.fact is not None:
            out["path"] = self.fact.path
            # Read off the user's image, not InfraZen's data: shown as "from your screenshot";
            # quoted from an approved passage (search_knowledge): "knowledge".
            out["origin"] = (
                "screenshot"
                if self.fact.name.startswith("screenshot.")
                else "knowledge"
                if self.fact.name.startswith(_QUOTED)
                else "data"
            )
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Grounding:
    numbers: list[TracedClaim] = field(default_factory=list)

    @property
    def untraced(self) -> list[TracedClaim]:
        return [n for n in self.numbers if not n.traced]

    @property
    def ok(self) -> bool:
        return not self.untraced

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": len(self.numbers),
            "untraced": [n.claim.text for n in self.untraced],
            "numbers": [n.to_dict() for n in self.numbers],
        }


class _Sorted:
    """Facts of one key sorted by absolute value: each lookup is a bisect."""

    __slots__ = ("facts", "values")

    def __init__(self, values: list[float] | None = None, facts: list[Fact] | None = None) -> None:
        self.values: list[float] = values if values is not None else []
        self.facts: list[Fact] = facts if facts is not None else []

    def add(self, value: float, fact: Fact) -> None:
        self.values.append(value)
        self.facts.append(fact)

    def between(self, lo: float, hi: float) -> Iterable[Fact]:
        i = bisect.bisect_left(self.values, lo)
        while i < len(self.values) and self.values[i] <= hi:
            yield self.facts[i]
            i += 1


def _by_size(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: abs(f.value))


class FactIndex:
    """Facts grouped by what a claim may match: (kind, unit, period)."""

    def __init__(self, facts: Sequence[Fact]):
        # One sort; each group is filled in that order, so it is sorted too.
        ordered = _by_size(facts)
        groups: dict[tuple[str, str | None, str | None], _Sorted] = {}
        by_name: dict[str, list[Fact]] = {}
        for f in ordered:
            v = abs(f.value)
            exact = (f.kind, f.unit, f.period)
            keys = [exact]
            loose = (f.kind, None, None)  # any unit and period
            if loose != exact:
                keys.append(loose)
            if f.kind == "money":  # a figure with no currency, by period
                keys.append(("money", "*", f.period))
            for key in keys:
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Sorted()
                group.add(v, f)
            by_name.setdefault(f.name, []).append(f)
        ratios: list[Fact] = []
        for num, den in RATIO_PAIRS:
            for a in by_name.get(num, ()):
                for b in by_name.get(den, ()):
                    if a.unit == b.unit and b.value and a.value:
                        name = f"{a.name} / {b.name}"
                        path = f"{a.path} / {b.path}"
                        ratios.append(Fact(a.value / b.value, "ratio", name, "x", None, path))
        self._groups = groups
        self._every = _Sorted([abs(f.value) for f in ordered], ordered)
        by_ratio = _by_size(ratios)
        self._ratios = _Sorted([abs(f.value) for f in by_ratio], by_ratio)

    def group(self, kind: str, unit: str | None, period: str | None) -> _Sorted | None:
        return self._groups.get((kind, unit, period))

    @property
    def every(self) -> _Sorted:
        return self._every

    @property
    def ratios(self) -> _Sorted:
        return self._ratios


def _tolerance(c: Claim) -> float:
    v = abs(c.value)
    if c.round_place:  # "14 000", "15 тыс.": may be rounded to that place, within a cap
        cap = APPROX_CAP if c.approx else ROUND_CAP
        tol = max(c.precision, min(c.round_place if c.approx else c.round_place / 2, cap * v))
    elif c.approx:  # "≈ 37,4 %": one unit of the last digit either way
        tol = max(c.precision, min(2 * c.precision, APPROX_CAP * v))
    else:
        tol = c.precision
    if c.kind == "ratio":
        tol = min(tol, RATIO_CAP * v)
    return tol + _EPS


_SENTENCE_PART = re.compile(r"[.;!?\n,()|]")


def _head(text: str, c: Claim, floor: int, reach: int, ends: re.Pattern[str]) -> str:
    """The claim's clause before it, from after the previous figure (whose words are its own)."""
    head = text[max(floor, c.start - reach) : c.start]
    return head[max((m.end() for m in ends.finditer(head)), default=0) :]


def _tail(text: str, c: Claim, reach: int, ends: re.Pattern[str]) -> str:
    """The claim's clause after it, up to the next figure."""
    tail = text[c.end : c.end + reach]
    stop = ends.search(tail) or _DIGITS.search(tail)
    return tail[: stop.start()] if stop else tail


def _cue(text: str, c: Claim, floor: int) -> tuple[str, ...] | None:
    """What a money figure is: the word right after it ("… today"), else the nearest before it."""
    tail = _tail(text, c, 30, _CLAUSE_END)
    if m := _TAIL_CUE.match(tail):
        return _TAIL_NAMES[str(m.lastgroup)]
    head = _head(text, c, floor, 80, _CLAUSE_END)
    best: tuple[int, tuple[str, ...]] | None = None
    for pattern, names in _CUES:
        for m in pattern.finditer(head):
            if best is None or m.end() > best[0]:
                best = (m.end(), names)
    return best[1] if best is not None else None


def _percent_cue(text: str, c: Claim, floor: int) -> tuple[str, ...] | None:
    """ "CPU p95 — 68 %", "на 63,5 % дешевле": the words around a percentage within its clause."""
    around = _head(text, c, floor, 40, _SENTENCE_PART) + " " + _tail(text, c, 20, _SENTENCE_PART)
    return next((names for pattern, names in _PERCENT_CUES if pattern.search(around)), None)


def _fits(f: Fact, names: tuple[str, ...] | None) -> bool:
    # A name may also sit under a list's prefix ("recommendations.savings.monthly": an item's savings).
    return (
        names is None
        or f.name.startswith(names)
        # quoted from a knowledge passage (a threshold, a rate): the passage is its subject; never
        # money, whose cue says whose bill it is ("сейчас вы платите 3 200 ₽" is the tenant's)
        or (f.name.startswith(_QUOTED) and f.kind != "money")
        or any(n in f.name if "." in n else f".{n}." in f".{f.name}." for n in names)
    )


def _candidates(c: Claim, idx: FactIndex) -> list[tuple[str, _Sorted | None, float]]:
    """(derivation, facts, factor): the claim's value ÷ factor must match a fact of the group."""
    if c.kind == "money":
        cur = c.unit or "*"
        if c.period == "month":
            return [
                ("exact", idx.group("money", cur, "month"), 1),
                ("yearly_div12", idx.group("money", cur, "year"), 1 / 12),
            ]
        if c.period == "year":
            return [
                ("exact", idx.group("money", cur, "year"), 1),
                ("monthly_x12", idx.group("money", cur, "month"), 12),
            ]
        if c.period in ("day", "hour"):
            return [("exact", idx.group("money", cur, c.period), 1)]
        as_is = [("exact", idx.group("money", cur, p), 1.0) for p in ("month", "year", "range", "day", None)]
        return [*as_is, ("monthly_x12", idx.group("money", cur, "month"), 12)]
    if c.kind == "percent":
        return [("exact", idx.group("percent", None, None), 1), ("percent_of_pair", idx.ratios, 100)]
    if c.kind == "ratio":
        return [("ratio", idx.ratios, 1)]
    if c.kind in ("size", "cpu", "count", "score"):
        return [("exact", idx.group(c.kind, None, None), 1)]
    if c.kind == "duration":
        return [("exact", idx.group("duration", c.unit, None), 1)]
    return [("exact", idx.every, 1)]


def _trace_one(text: str, c: Claim, idx: FactIndex, floor: int = 0) -> TracedClaim:
    v, tol = abs(c.value), _tolerance(c)
    if v in CONVERSIONS and not c.signed and (c.kind, c.unit) in CONVERSIONS[v]:
        return TracedClaim(c, True, None, "conversion")
    names: tuple[str, ...] | None = None
    if c.kind == "money":
        names = _cue(text, c, floor)
    elif c.kind == "percent":
        names = _percent_cue(text, c, floor)
    elif c.kind == "count" and c.unit:
        names = _COUNT_NAMES.get(c.unit)
    wrong_subject = False
    for derivation, group, factor in _candidates(c, idx):
        if group is None:
            continue
        lo, hi = (v - tol) / factor, (v + tol) / factor
        slack = _FACT_ROUNDING / factor if c.kind == "money" else 0.0
        for f in group.between(lo - slack, hi + slack):
            if c.signed and (f.value < 0) != (c.value < 0) and c.kind != "percent":
                continue
            if not _fits(f, names):
                wrong_subject = True
                continue
            name = derivation if derivation != "exact" else ("rounded" if c.round_place else "exact")
            if c.approx and name in ("exact", "rounded"):
                name = "approx"
            return TracedClaim(c, True, f, name)
    return TracedClaim(c, False, None, None, "wrong_subject" if wrong_subject else "no_fact")


def trace(text: str, facts: Sequence[Fact] | FactIndex) -> Grounding:
    """Trace every claim of `text` to `facts` (typed; see facts.py)."""
    claims = extract_claims(text)
    if not claims:
        return Grounding([])
    idx = facts if isinstance(facts, FactIndex) else FactIndex(facts)
    floors = [0, *(c.end for c in claims[:-1])]
    return Grounding([_trace_one(text, c, idx, floor) for c, floor in zip(claims, floors, strict=True)])
