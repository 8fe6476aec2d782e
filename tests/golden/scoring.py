"""Scoring an answer against the figures it must contain.

The figures an answer states are read from its text the way a reader would read them, in the
question's language (Russian: «1 335 129,86 ₽», «3,5 %», «1,3 млн ₽»; English: «1,335,129.86 RUB»,
«$14.98», «-4%», «$1.3M»), with scale words and every kind of minus. Each figure gets a kind from
what stands next to it: money (a currency sign, code or word), percent, a quantity with a unit
(«16 vCPU», «30 дн.»: never a count), or a plain number. Dates, ids and SKUs are not figures.

An expected figure is *right* when a stated figure of its kind equals it to the precision shown
(«+3 %» is right for 2.97 %; «1,34 млн ₽» for 1 335 129,86 ₽) and that precision is fine enough to
mean it (a money figure's last shown digit worth at most 1 % of it: «около 1 млн ₽» is not an
answer for 1 335 129,86 ₽); «снизились на 4 %» states −4 %. A figure *anchored* to a name (a
service's spend, a provider's share, the anomaly's amount) counts only on a line that names it, so
a right amount beside the wrong service is not right. *Wrong* when no stated figure equals it but
one of its kind is within 25 % (an attempt that missed); *missing* otherwise. Names and days are
expected as text, with their aliases («Яндекс Облако», «19 июня»). A question is correct when every
expected figure is right.

Nothing here knows the service: the scorer reads text, the expectations come from expected.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["money", "percent", "number", "unit", "text"]
NEAR = 0.25  # a stated figure this close (relative) to an expected one is an attempt at it
PRECISION = 0.01  # a money figure's shown precision may be at most this share of it

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{1,2}:\d{2}\b")
_ID = re.compile(r"#\d+|\b\d+(?:c|g|gb|vcpu)\d*\w*|\b[a-z]+[.-]\S*\d\S*|\bp\d{2}\b", re.IGNORECASE)
_CURRENCY = r"(?:₽|руб\w*|р\.|rub\b|usd\b|eur\b|\$|€|us\$|dollars?\b|долл\w*|roubles?\b|rubles?\b)"
_PERCENT = r"(?:%|процент\w*|percent\b|pct\b)"
_UNIT = (
    r"(?:vcpu\b|cpu\b|ядер\b|ядра\b|ядро\b|гб\b|gb\b|тб\b|tb\b|мб\b|mb\b|дн\w*|days?\b|недел\w*|weeks?\b|"
    r"мес\w*|months?\b|ч\b|час\w*|h\b|hours?\b|ноd\w*|nodes?\b|узл\w*|штук\w*)"
)
_SCALES = {
    "тыс": 1e3,
    "млн": 1e6,
    "миллион": 1e6,
    "млрд": 1e9,
    "миллиард": 1e9,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
}
_NUMBER = {
    # Russian groups with spaces and writes a decimal comma (a dot is read too: «1 335 129.86 ₽»)
    "ru": r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[,.]\d+)?|\d+(?:[,.]\d+)?",
    "en": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?",
}
_SCALE = r"(?:\s?(?P<scale>тыс\w*|млн|миллион\w*|млрд|миллиард\w*|thousand|million|billion|bn|mn|[kmKM])\b\.?)?"
_DOWN = re.compile(
    r"(?:снизил|снижени|упал|уменьш|сократил|дешевле|меньше|ниже|decreas|fell|fallen|dropped|down|lower|less|cheaper|"
    r"reduc)\w*\W+(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
_DOWN_AFTER = re.compile(r"\s*(?:дешевле|меньше|ниже|cheaper|less|lower|down)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Stated:
    """A figure as the answer states it: its value, the unit of its last shown digit, its kind."""

    value: float
    step: float
    kind: Kind
    text: str
    line: int
    worded: bool = False  # a percentage whose direction is said in words ("down 4 %", "4 % cheaper")


@dataclass(frozen=True)
class Figure:
    """A figure the answer must contain (from expected.py). `value` of a text figure may list its
    aliases; `anchor` names what a figure must be stated beside (any of its aliases, one line)."""

    name: str
    value: float | str | tuple[str, ...]
    kind: Kind
    anchor: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        shown = self.value[0] if isinstance(self.value, tuple) else self.value
        return f"{self.name}={shown}" + (f" (beside {self.anchor[0]})" if self.anchor else "")


def _pattern(lang: str) -> re.Pattern[str]:
    number = _NUMBER["en" if lang == "en" else "ru"]
    return re.compile(
        rf"(?P<pre>{_CURRENCY}\s?)?(?P<sign>[-+−–](?=\d))?(?P<num>{number}){_SCALE}"
        rf"(?P<post>\s?(?:{_PERCENT}|{_CURRENCY}|{_UNIT}))?",
        re.IGNORECASE,
    )


def _scale(word: str | None) -> float:
    w = (word or "").lower().rstrip(".")
    if w in _SCALES:
        return _SCALES[w]
    return next((v for k, v in _SCALES.items() if len(k) > 2 and w.startswith(k)), 1.0)  # «тысячи», «миллиона»


def _read(raw: str, lang: str) -> tuple[float, float]:
    digits = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if lang == "en":
        digits = digits.replace(",", "")
    digits = digits.replace(" ", "").replace(",", ".")
    whole, _, frac = digits.partition(".")
    return float(f"{whole}.{frac}" if frac else whole), 10.0 ** -len(frac) if frac else 1.0


def stated_figures(text: str, lang: str) -> list[Stated]:
    """Every figure in `text`, read in `lang`'s number format (dates, ids and SKUs skipped)."""
    out: list[Stated] = []
    pattern = _pattern(lang)
    for line_no, line in enumerate(text.splitlines()):
        clean = _ID.sub(" ", _DATE.sub(" ", line))
        for m in pattern.finditer(clean):
            value, step = _read(m.group("num"), lang)
            scale = _scale(m.group("scale"))
            before = clean[m.start() - 1] if m.start() else " "
            # a minus stands right before the digits and after a space or a bracket ("-4 %", "(−3 %)");
            # a dash after a figure is a range ("5–7"), a bullet's dash has a space after it
            if m.group("sign") in ("-", "−", "–") and (before.isspace() or before in "(:;,=" or not m.start()):
                value = -value
            post = (m.group("post") or "").strip().lower()
            worded = False
            if re.fullmatch(_PERCENT, post, re.IGNORECASE):
                kind: Kind = "percent"
                # «снизились на 4 %», "4% cheaper": a direction in words is a sign
                worded = m.group("sign") is None and bool(
                    _DOWN.search(clean[: m.start()]) or _DOWN_AFTER.match(clean[m.end() : m.end() + 20])
                )
            elif post and re.fullmatch(_UNIT, post, re.IGNORECASE):
                kind = "unit"
            elif post or m.group("pre"):
                kind = "money"
            else:
                kind = "number"
            out.append(Stated(value * scale, step * scale, kind, m.group(0).strip(), line_no, worded))
    return out


@dataclass(frozen=True)
class Verdict:
    right: list[str]
    wrong: list[str]  # "name: expected X, stated Y"
    missing: list[str]

    @property
    def correct(self) -> bool:
        return not self.wrong and not self.missing


def _equal(expected: float, stated: Stated, kind: Kind) -> bool:
    if stated.worded:  # "down 4 %" is −4 % of a change, 4 % of a saving: the words carry the sign
        expected = abs(expected)
    if kind == "money" and stated.step / 2 > PRECISION * abs(expected) + 0.005:
        # too coarse to mean this figure ("около 1 млн ₽", "$0" for $0.49), unless it is exact
        return abs(stated.value - expected) <= 0.005
    # the precision shown, plus a hair for float noise in the expected side
    return abs(stated.value - expected) <= stated.step / 2 + 1e-6 * max(1.0, abs(expected))


def _lines_naming(text: str, aliases: tuple[str, ...]) -> set[int]:
    wanted = [a.lower() for a in aliases]
    return {i for i, line in enumerate(text.lower().splitlines()) if any(a in line for a in wanted)}


def score(text: str, lang: str, expected: list[Figure]) -> Verdict:
    figures = stated_figures(text, lang)
    lowered = text.lower()
    right: list[str] = []
    wrong: list[str] = []
    missing: list[str] = []
    for fig in expected:
        if fig.kind == "text":
            aliases = fig.value if isinstance(fig.value, tuple) else (str(fig.value),)
            (right if any(a.lower() in lowered for a in aliases) else missing).append(fig.name)
            continue
        assert not isinstance(fig.value, str | tuple)
        value = float(fig.value)
        same = [s for s in figures if s.kind == fig.kind]
        if fig.anchor:
            lines = _lines_naming(text, fig.anchor)
            same = [s for s in same if s.line in lines]
        if any(_equal(value, s, fig.kind) for s in same):
            right.append(fig.name)
            continue
        near = [s for s in same if not math.isclose(value, 0.0) and abs(s.value - value) <= NEAR * abs(value)]
        if near:
            closest = min(near, key=lambda s: abs(s.value - value))
            wrong.append(f"{fig.name}: expected {value:g}, stated {closest.text}")
        else:
            missing.append(fig.name)
    return Verdict(right, wrong, missing)
