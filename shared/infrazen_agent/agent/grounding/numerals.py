"""Numbers written in words, Russian and English, up to the billions.

Models write "пятнадцать тысяч", "fifty thousand", "полтора миллиона": each is a figure the
checker must see. `find_word_numbers` returns the spans and values; the claim extractor then reads
the unit, currency and period after them as it does after digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def _ru_value(word: str) -> tuple[str, float] | None:
    """("unit" | "hundred" | "scale" | "half", value) of one Russian word, or None."""
    w = word.lower()
    if w in _RU_UNITS or w in _RU_HALF:
        return _RU_FORMS[w]
    for stem, scale in _RU_SCALES.items():
        if w.startswith(stem) and len(w) - len(stem) <= 3:
            return "scale", scale
    return _RU_FORMS.get(w)


def _en_value(word: str) -> tuple[str, float] | None:
    w = word.lower()
    if w == "hundred":
        return "hundred_mul", 100
    if w in _EN_SCALES:
        return "scale", _EN_SCALES[w]
    if w in _EN_UNITS:
        return "unit", _EN_UNITS[w]
    if "-" in w:
        parts = w.split("-")
        if all(p in _EN_UNITS for p in parts):
            return "unit", sum(_EN_UNITS[p] for p in parts)
    return None


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


_EN_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_RU_TOKEN = re.compile(r"[А-Яа-яЁё]+")


def find_word_numbers(text: str) -> list[WordNumber]:
    """Runs of number words ("двадцать пять тысяч", "fifty-two thousand and ten") as values."""
    found: list[WordNumber] = []
    for pattern, value_of in ((_RU_TOKEN, _ru_value), (_EN_TOKEN, _en_value)):
        run: list[tuple[str, float]] = []
        run_start = run_end = 0
        last_end = -1
        for m in pattern.finditer(text):
            word = m.group(0)
            gap = text[last_end : m.start()] if last_end >= 0 else ""
            joined = last_end >= 0 and re.fullmatch(r"[\s\u00a0]+(?:and[\s\u00a0]+)?", gap) is not None
            if word.lower() == "and" and run:
                continue
            kind = value_of(word)
            if kind is not None and not (word.lower() == "a" and not _next_is_scale(text, m.end())):
                if run and not joined:
                    found.append(WordNumber(run_start, run_end, _combine(run)))
                    run = []
                if not run:
                    run_start = m.start()
                run.append(kind)
                run_end = last_end = m.end()
                continue
            if run:
                found.append(WordNumber(run_start, run_end, _combine(run)))
                run = []
            last_end = m.end()
        if run:
            found.append(WordNumber(run_start, run_end, _combine(run)))
    # "one" alone is usually an article-like word ("one of the servers"): not a figure
    return [w for w in found if not (w.value == 1 and text[w.start : w.end].lower() in _WEAK_ONES)]


_WEAK_ONES = frozenset({"one", "a", "один", "одна", "одно", "одного", "одной", "одну"})


def _next_is_scale(text: str, pos: int) -> bool:
    m = _EN_TOKEN.search(text, pos)
    return bool(m and text[pos : m.start()].strip() == "" and m.group(0).lower() in ("hundred", *_EN_SCALES))
