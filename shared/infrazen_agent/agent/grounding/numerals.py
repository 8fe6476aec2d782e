"""Numbers written in words, Russian and English, up to the billions.

Models write "пятнадцать тысяч", "fifty thousand", "полтора миллиона": each is a figure the
checker must see. `find_word_numbers` returns the spans and values; the claim extractor then reads
the unit, currency and period after them as it does after digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .scanning import word_led

_RU_UNITS = {
    "ноль": 0,
    "нуля": 0,
    "один": 1,
    "одна": 1,
    "одно": 1,
    "одного": 1,
    "одной": 1,
    "одну": 1,
    "два": 2,
    "две": 2,
    "двух": 2,
    "три": 3,
    "трёх": 3,
    "трех": 3,
    "четыре": 4,
    "четырёх": 4,
    "четырех": 4,
}
_RU_STEMS = {
    # stem -> value; endings а/и/ь/ью/ти/ем… are stripped by the pattern below
    "пят": 5,
    "шест": 6,
    "сем": 7,
    "восем": 8,
    "восьм": 8,
    "девят": 9,
    "десят": 10,
    "одиннадцат": 11,
    "двенадцат": 12,
    "тринадцат": 13,
    "четырнадцат": 14,
    "пятнадцат": 15,
    "шестнадцат": 16,
    "семнадцат": 17,
    "восемнадцат": 18,
    "девятнадцат": 19,
    "двадцат": 20,
    "тридцат": 30,
    "сорок": 40,
    "сорока": 40,
    "пятьдесят": 50,
    "пятидесят": 50,
    "шестьдесят": 60,
    "шестидесят": 60,
    "семьдесят": 70,
    "семидесят": 70,
    "восемьдесят": 80,
    "восьмидесят": 80,
    "девяносто": 90,
    "девяноста": 90,
    "сто": 100,
    "ста": 100,
    "двести": 200,
    "двухсот": 200,
    "триста": 300,
    "трёхсот": 300,
    "трехсот": 300,
    "четыреста": 400,
    "четырёхсот": 400,
    "четырехсот": 400,
    "пятьсот": 500,
    "пятисот": 500,
    "шестьсот": 600,
    "шестисот": 600,
    "семьсот": 700,
    "семисот": 700,
    "восемьсот": 800,
    "восьмисот": 800,
    "девятьсот": 900,
    "девятисот": 900,
}
_RU_SCALES = {"тысяч": 1_000, "миллион": 1_000_000, "миллиард": 1_000_000_000}
_RU_HALF = {"полтора": 1.5, "полторы": 1.5, "полутора": 1.5}

_EN_UNITS = {
    "zero": 0,
    "one": 1,
    "a": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


_RU_ENDINGS = ("", "ь", "и", "ью", "ти", "ми", "а")


def _ru_forms() -> dict[str, tuple[str, float]]:
    """Every written form of a Russian number word below the scales, built once: a longer stem
    wins over a shorter one, an exact stem over a stem with an ending, units over both."""
    forms: dict[str, tuple[str, float]] = {}
    for stem, value in sorted(_RU_STEMS.items(), key=lambda p: len(p[0])):
        if value < 100:
            forms |= {stem + end: ("unit", value) for end in _RU_ENDINGS}
    forms |= {stem: ("hundred" if v >= 100 else "unit", v) for stem, v in _RU_STEMS.items()}
    forms |= {w: ("half", v) for w, v in _RU_HALF.items()}
    forms |= {w: ("unit", v) for w, v in _RU_UNITS.items()}
    return forms


_RU_FORMS = _ru_forms()


def _value(word: str) -> tuple[str, float] | None:
    """("unit" | "hundred" | "hundred_mul" | "scale" | "half", value) of one lowercased word."""
    if found := _RU_FORMS.get(word) or _EN_WORDS.get(word):
        return found
    for stem, scale in _RU_SCALES.items():
        if word.startswith(stem):
            return "scale", scale
    if "-" in word:
        parts = word.split("-")
        if all(p in _EN_UNITS for p in parts):
            return "unit", sum(_EN_UNITS[p] for p in parts)
    return None


_EN_WORDS: dict[str, tuple[str, float]] = {
    **{w: ("unit", v) for w, v in _EN_UNITS.items() if w != "a"},
    **{w: ("scale", v) for w, v in _EN_SCALES.items()},
    "hundred": ("hundred_mul", 100),
    "a": ("unit", 1),
}


@dataclass(frozen=True)
class WordNumber:
    start: int
    end: int
    value: float


def _combine(kinds: list[tuple[str, float]]) -> float:
    total = 0.0
    group = 0.0
    for kind, value in kinds:
        if kind in ("unit", "hundred", "half"):
            group += value
        elif kind == "hundred_mul":
            group = (group or 1) * 100
        elif kind == "scale":
            total += (group or 1) * value
            group = 0.0
    return total + group


_WORD_END = r"(?![\w-])"
_EN_HYPHENATED = [
    f"{tens}-{one}"
    for tens, t in _EN_UNITS.items()
    if t >= 20 and t % 10 == 0
    for one, o in _EN_UNITS.items()
    if 1 <= o <= 9 and one != "a"
]
# Only number words are matched, so Python never looks at the other words of a text.
_WORDS = word_led(
    ("|".join(_RU_FORMS), _WORD_END),
    ("|".join(_RU_SCALES), "[а-яё]{0,3}" + _WORD_END),  # тысяча, тысячами, миллионов…
    ("|".join([*_EN_HYPHENATED, *(w for w in _EN_UNITS if w != "a"), *_EN_SCALES, "hundred"]), _WORD_END),
    ("a", r"(?=[\s\u00a0]+(?:hundred|thousand|million|billion)(?!\w))"),  # "a thousand", not "a server"
)
_GAP = re.compile(r"[\s\u00a0]+(?:and[\s\u00a0]+)?")
_WEAK_ONES = frozenset({"one", "a", "один", "одна", "одно", "одного", "одной", "одну"})


def find_word_numbers(low: str) -> list[WordNumber]:
    """Runs of number words ("двадцать пять тысяч", "fifty-two thousand and ten") in lowercased
    text, as values: words of one language with only spaces (or "and") between them."""
    found: list[WordNumber] = []
    run: list[tuple[str, float]] = []
    start = end = 0
    english = False
    for m in _WORDS.finditer(low):
        word = m.group(0)
        is_english = word < "\u0400"
        if run and not (is_english == english and _GAP.fullmatch(low, end, m.start())):
            found.append(WordNumber(start, end, _combine(run)))
            run = []
        if not run:
            start, english = m.start(), is_english
        kind = _value(word)
        if kind is not None:
            run.append(kind)
            end = m.end()
    if run:
        found.append(WordNumber(start, end, _combine(run)))
    # "one" alone is usually an article-like word ("one of the servers"): not a figure
    return [w for w in found if not (w.value == 1 and low[w.start : w.end] in _WEAK_ONES)]
