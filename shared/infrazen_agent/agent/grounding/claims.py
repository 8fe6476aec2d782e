"""Typed claims: every figure a text states, with what it claims to be.

A claim is a number (digits in any of the formats people and models write — `14 252,74`,
`14,252.74`, `14.252,74`, NBSP / narrow NBSP / thin-space grouping, `14 252 ₽ 74 коп.`, `1,5e4` —
or words, «пятнадцать тысяч», "fifty thousand"), its scale word (тыс./млн/млрд, k/M), its unit
(currency, %, GB, vCPU, hours, days, nodes…), its period (в месяц, per year…), an approximation
marker (≈, около, about…), an explicit sign, and whether it is one end of a range.

What is not a quantity is recognised and left out: dates, times, years, versions ("Ubuntu 22.04"),
list and step markers ("1.", «Шаг 3», "step 2 of 4"), ids ("№5034", "#12", "id 77"), ordinals and
identifiers with digits in them ("ru-9a", "s3-1", "gpt-4o").

Babel's `parse_decimal` was measured for this and left aside: it parses one locale's format of a
string that is only a number, while claims need finding inside prose in every format at once
(bench/grounding_bench.py compares the two on the same figures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .numerals import find_word_numbers
from .scanning import word_led

_SP = " \u00a0\u202f\u2009"
_S = f"[{_SP}]"
_S_OPT = f"[{_SP}]*"

# Every alternative starts with a digit, consumed first: a pattern led by a group makes the
# regex engine try every position (0.16 ms -> 0.06 ms for a 2,000-character answer).
_NUMBER = re.compile(
    r"\d(?:"
    r"\d*(?:[.,]\d+)?[eE][+-]?\d+"  # 1,5e4 / 1.4252E+04
    rf"|\d{{0,2}}(?:{_S}\d{{3}})+(?:[.,]\d+)?"  # 14 252,74 (any space) / 12 500
    r"|\d{0,2}(?:,\d{3})+(?:\.\d+)?"  # 14,252.74
    r"|\d{0,2}(?:\.\d{3})+,\d+"  # 14.252,74
    r"|\d{0,2}(?:\.\d{3}){2,}"  # 1.234.567
    r"|\d*(?:[.,]\d+)?"  # 35 / 12.5 / 12,5
    r")"
)

_MONTHS_RU = (
    r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]\w*|июн\w*|июл\w*|август\w*|сентябр\w*|октябр\w*|ноябр\w*|декабр\w*"
)
_MONTHS_EN = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_SOFTWARE = (
    r"ubuntu|debian|centos|rhel|alma(?:linux)?|rocky|fedora|windows|server|postgres(?:ql)?|pg|mysql|mariadb|"
    r"redis|mongodb|clickhouse|kafka|elasticsearch|opensearch|python|node(?:\.js)?|java|jdk|php|go|golang|"
    r"kubernetes|k8s|nginx|docker|terraform|ansible|openstack|tls|http|ipv|версия|версии|version|release|релиз"
)
# Spans that hold digits but no quantity, blanked before numbers are read so offsets hold. Two
# passes for speed: patterns led by a digit or a symbol run on the text as written; patterns led
# by a keyword run case-sensitively on a lowercased copy with no leading `\b` (a leading `\b` or
# IGNORECASE stops the regex engine skipping ahead to where a match can start: 1.1 ms -> 0.2 ms
# for a 2,000-character answer), the word boundary checked in code.
_NOT_QUANTITIES = re.compile(
    # Every alternative starts at a digit, Q/К, v, № or #, consumed first so the engine can skip
    # to those characters; the lookbehinds put back the word boundary a leading `\b` would check.
    r"[\dQКv№#](?:"
    r"(?<=\d)(?<!\w\d)(?:"
    r"\d{3}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"  # 2025-06-01T10:00Z
    r"|\d?\.\d{1,2}\.\d{2,4}\b"  # 01.06.2025
    r"|\d?:\d{2}(?::\d{2})?\b"  # 10:30
    rf"|\d?{_S_OPT}(?:{_MONTHS_RU})(?:{_S_OPT}\d{{4}})?"  # 1 июня 2025
    rf"|\d?(?:st|nd|rd|th)?{_S_OPT}(?:{_MONTHS_EN})\b(?:,?{_S_OPT}\d{{4}})?"  # 1st June, 2025
    r"|\d*\.\d+\.\d+\b"  # 1.2.3
    r"|(?:(?<=1)9|(?<=2)0)\d{2}\.\d{2}(?:-[\w.]+)?"  # catalog versions "2025.06-demo.1"
    r"|\d*-?(?:й|я|е|го|му|м|ый|ой|ий|ая|ое|th|st|nd|rd)\b"  # ordinals
    r"|(?<=[,;:(][ \t]\d)\d?[.)](?=[ \t]+[a-zа-яё*_])"  # inline list: "есть: 1. перенести, 2. проверить"
    r")"
    r"|(?<=[QК])(?<!\w[QК])[1-4]\b"  # Q3
    r"|(?<=v)(?<!\wv)\d+(?:\.\d+)*\b"  # v1.2
    rf"|(?<=[№#]){_S_OPT}\d+"  # №5034, #12
    r")"
)
_LIST_MARKERS = re.compile(r"^[ \t>]*(?:[-*+][ \t]+)?(?:\*\*|__)?\d{1,2}[.)](?:\*\*|__)?(?=\s)", re.MULTILINE)
_NOT_QUANTITY_WORDS = word_led(
    (_MONTHS_EN.lower(), rf"{_S_OPT}\d{{1,2}}(?:st|nd|rd|th)?(?:,?{_S_OPT}\d{{4}})?"),  # june 5, 2025
    (f"{_MONTHS_RU}|{_MONTHS_EN.lower()}", rf"{_S_OPT}\d{{4}}"),  # июнь 2025
    (_SOFTWARE, rf"[{_SP}]?v?\d+(?:\.\d+)*\b"),  # ubuntu 22.04
    (
        "шаг|шага|шаге|этап|этапа|этапе|фаза|фазы|step|stage|phase|part|часть|пункт|item|неделя|week|день|day",
        # шаг 2 из 4, шаг 2.1; not a figure after a period word ("1 490 ₽/день 719,99 ₽", "в день 40 ГБ")
        rf"{_S_OPT}\d{{1,2}}(?:\.\d{{1,2}}(?!\d|,\d))?(?!\d|[.,]\d|{_S}\d{{3}}\b)"
        rf"(?!{_S_OPT}(?:[₽$€%]|руб|rub|usd|eur|тыс|млн|k\b|гб|gb|тб|tb|мб|mb|vcpu|cpu|ядр|core|ч\b|h\b|час|"
        rf"hour|сервер|server|узл|node|инстанс|instance|машин|vm))"
        rf"(?:{_S_OPT}(?:из|of|/){_S_OPT}\d{{1,2}})?",
    ),
    (r"id\b(?:[" + _SP + r"][а-яё]+)?:?|но?мер\b", rf"{_S_OPT}\d+"),  # id 77, номер 5
    (
        "recommendation|рекомендаци[яиюей]|resource|ресурс[ау]?|server|сервер[ау]?",
        rf"{_S}\d{{3,}}\b(?!{_S_OPT}(?:[₽$€%]|руб|rub|usd|eur|тыс|млн|k\b|vcpu|gb|гб))",  # server 5034
    ),
)
_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя",
)

_SCALE = re.compile(
    _S_OPT + r"(?P<scale>тыс\.?|тысяч[аиеу]?|млн\.?|миллион(?:а|ов)?|млрд\.?|миллиард(?:а|ов)?|"
    r"thousand|million|billion|mln|bn|k|K|M(?![A-Za-zБ]))(?![\w])\.?"
)
# By how the word starts: "тыс."/"тысячи", "млн"/"миллиона", "k", "M"/"mln"/"million", "bn"/"billion".
_SCALES: tuple[tuple[str, float], ...] = (
    ("тыс", 1e3),
    ("млрд", 1e9),
    ("миллиард", 1e9),
    ("млн", 1e6),
    ("миллион", 1e6),
    ("thousand", 1e3),
    ("k", 1e3),
    ("b", 1e9),
    ("m", 1e6),
)

# (pattern, kind, unit, factor to the fact's unit)
_UNITS: list[tuple[str, str, str | None, float]] = [
    (r"₽|руб(?:\.|лей|ля|ль)?(?!\w)|р\.(?!\w)|RUB|rub(?:les?)?|roubles?", "money", "RUB", 1),
    (r"\$|USD|usd|долл(?:\.|ар(?:ов|а)?)?|dollars?", "money", "USD", 1),
    (r"€|EUR|eur(?:os?)?|евро", "money", "EUR", 1),
    (r"%|процент\w*|percent|pct|п\.\s?п\.|p\.p\.|percentage points?", "percent", "%", 1),
    (r"ТБ|TB|Тб|TiB|терабайт\w*|terabytes?", "size", "GB", 1000),
    (r"ГБ|GB|Гб|GiB|гигабайт\w*|gigabytes?", "size", "GB", 1),
    (r"МБ|MB|Мб|MiB|мегабайт\w*|megabytes?", "size", "GB", 0.001),
    (r"vCPU|vcpu|CPU|ядер|ядра|ядро|cores?|виртуальн\w+ процессор\w*", "cpu", "vCPU", 1),
    (r"ч\.?(?!\w)|час(?:а|ов)?(?!\w)|h(?!\w)|hrs?(?!\w)|hours?|человеко-час\w*|person-hours?", "duration", "h", 1),
    (r"дн(?:\.|я|ей)?(?!\w)|день|сут(?:ок|ки)?|days?|d(?!\w)", "duration", "day", 1),
    (r"недел[ьюяи]\w*|weeks?", "duration", "day", 7),
    (r"месяц(?:а|ев)?(?!\w)|мес\.(?!\w)|months?", "duration", "month", 1),
    (r"раз(?:а)?(?!\w)|times(?!\w)|[×x](?!\w)", "ratio", "x", 1),
    (r"узл(?:а|ов|ами)?|узел|nodes?", "count", "node", 1),
    (r"альтернатив\w*|alternatives?|вариант\w*|options?", "count", "alternative", 1),
    (r"шаг(?:а|ов)?|steps?|этап(?:а|ов)?", "count", "step", 1),
    (r"рекомендац\w*|recommendations?", "count", "recommendation", 1),
    (r"аномал\w*|anomal(?:y|ies)", "count", "anomaly", 1),
    (
        r"сервер(?:а|ов)?|servers?|ресурс(?:а|ов)?|resources?|инстанс\w*|instances?|машин\w*|VMs?|ВМ",
        "count",
        "resource",
        1,
    ),
    (r"провайдер\w*|providers?", "count", "provider", 1),
    (
        r"шт\.?|IP-адрес\w*|IPs?|снимк\w*|snapshots?|сервис(?:а|ов)?|services?|диск(?:а|ов)?|disks?|"
        r"кластер(?:а|ов)?|clusters?",
        "count",
        None,
        1,
    ),
]
_UNIT = re.compile(_S_OPT + "(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, *_) in enumerate(_UNITS)) + ")")
_KOPECKS = re.compile(
    _S_OPT + r"(?:₽|руб(?:\.|лей|ля|ль)?)" + _S_OPT + r"(?P<kop>\d{1,2})" + _S_OPT + r"коп(?:\.|еек|ейки|ейка)?"
)
_SCORE = re.compile(_S_OPT + r"(?:/|из|out of)" + _S_OPT + r"(?P<of>5|10)\b")
_PERIOD = re.compile(
    _S_OPT + r"(?:"
    r"(?P<month>/" + _S_OPT + r"(?:мес(?:яц)?\.?|month|mo)\b|в" + _S + r"мес(?:яц)?\.?(?!\w)|per" + _S + r"month|"
    r"a" + _S + r"month|monthly|ежемесячно|каждый" + _S + r"месяц)"
    r"|(?P<year>/" + _S_OPT + r"(?:год|year|yr)\b|в" + _S + r"год(?!\w)|per" + _S + r"year|a" + _S + r"year|"
    r"yearly|annually|ежегодно|за" + _S + r"год(?!\w)|в" + _S + r"годовом" + _S + r"выражении|per" + _S + r"annum)"
    r"|(?P<day>/"
    + _S_OPT
    + r"(?:день|сут(?:ки)?|day)\b|в"
    + _S
    + r"(?:день|сутки)(?!\w)|per"
    + _S
    + r"day|a"
    + _S
    + r"day|daily|ежедневно)"
    r"|(?P<hour>/"
    + _S_OPT
    + r"(?:час|ч|h|hour|hr)\b|в"
    + _S
    + r"час(?!\w)|per"
    + _S
    + r"hour|an"
    + _S
    + r"hour|hourly)"
    r")",
)  # matched on the lowercased text: IGNORECASE costs four times as much
_PREFIX_CURRENCIES = {"$": "USD", "€": "EUR", "₽": "RUB", "RUB": "RUB", "USD": "USD", "EUR": "EUR"}
# Written just before a figure (a currency sign may sit between): read by `str.endswith`, which is
# ten times cheaper than a regex search anchored at the end.
_APPROX_MARKERS = (
    *"≈~∼≲≳<>",
    *("около", "примерно", "приблизительно", "порядка", "почти", "где-то", "ориентировочно", "более", "менее"),
    *("свыше", "больше", "меньше", "more than", "less than", "up to", "under", "over", "about", "around"),
    *("approximately", "approx", "approx.", "roughly", "nearly", "almost", "some", "circa", "ca."),
)
_RANGE_JOIN = re.compile(_S_OPT + r"(?:[-–—]|до|to|and|и|or|или)" + _S_OPT + r"$", re.IGNORECASE)
_GLUED_OK = re.compile(r"(?:GB|ГБ|Гб|TB|ТБ|MB|МБ|GiB|TiB|vCPU|CPU|k|K|M|ч|h|d|д|x|х|₽|р\.|kop|коп)(?![A-Za-zА-Яа-яЁё])")

Kind = str  # money | percent | ratio | size | cpu | duration | count | score | number


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__ (2 µs a
# claim, a sixth of the checker's time); nothing changes a claim after it is made.
@dataclass(slots=True)
class Claim:
    """One stated figure."""

    text: str  # as written, unit and period included
    start: int
    end: int
    value: float  # in the fact's unit: scale applied, TB -> GB, weeks -> days
    kind: Kind
    unit: str | None  # currency code, "%", "GB", "vCPU", "h", "day", "month", "x"
    period: str | None  # month | year | day | hour
    precision: float  # half the last written digit's place, in `value`'s unit
    multiplier: float  # the scale word and unit factor applied ("25 тыс." -> 1000, "2 ТБ" -> 1000)
    round_place: float  # the place of the last non-zero digit of a whole number ("14 000" -> 1000), else 0
    approx: bool = False
    signed: bool = False  # an explicit + or − was written
    in_range: bool = False
    words: bool = False  # written in words

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "value": self.value, "kind": self.kind, "unit": self.unit, "period": self.period}


_DIGIT = re.compile(r"\d")


def has_digits(text: str) -> bool:
    """Cheap pre-check for texts with no digits (they may still hold number words)."""
    return _DIGIT.search(text) is not None


def _parse(raw: str) -> tuple[float, int]:
    """(value, decimals written) of one number in any accepted format."""
    if raw.isdigit():
        return float(raw), 0
    s = raw
    for sp in _SP:
        s = s.replace(sp, "")
    if "e" in s.lower():
        mantissa, _, exp = s.lower().partition("e")
        mantissa = mantissa.replace(",", ".")
        decimals = len(mantissa.partition(".")[2]) - int(exp)
        return float(mantissa) * 10 ** int(exp), decimals
    if s.count(".") >= 2 or ("." in s and "," in s and s.index(".") < s.index(",")):
        s = s.replace(".", "").replace(",", ".")  # 1.234.567 / 14.252,74
    elif "," in s and "." in s:
        s = s.replace(",", "")  # 14,252.74
    elif "," in s:
        head, _, tail = s.rpartition(",")
        # "1,234" / "12,500,000" group (English); "12,5" / "14 252,74" are Russian decimals.
        grouped = len(tail) == 3 and (s.count(",") > 1 or len(head) <= 3) and raw == s
        s = s.replace(",", "") if grouped else head.replace(",", "") + "." + tail
    decimals = len(s.partition(".")[2])
    return float(s), decimals


def _round_place(value: float, decimals: int) -> float:
    if decimals > 0 or value == 0 or not float(value).is_integer():
        return 0.0
    n, place = abs(int(value)), 1.0
    while n % 10 == 0:
        n //= 10
        place *= 10
    return place if place >= 10 else 0.0


def _lower(text: str) -> str:
    """Lowercase with the offsets kept (str.lower() lengthens a few letters, such as "İ")."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_LOWER)


def _masked(text: str) -> str:
    spans = [m.span() for m in _NOT_QUANTITIES.finditer(text)]
    spans += [m.span() for m in _LIST_MARKERS.finditer(text)]
    low = _lower(text)
    spans += [m.span() for m in _NOT_QUANTITY_WORDS.finditer(low)]
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if end > pos:
            start = max(start, pos)
            parts += (text[pos:start], " " * (end - start))
            pos = end
    parts.append(text[pos:])
    return "".join(parts)


@dataclass(slots=True)
class _Raw:
    start: int
    end: int
    value: float
    decimals: int
    words: bool
    signed: bool


def _after_name(masked: str, hyphen: int) -> bool:
    """Is the word before this hyphen a name ("s3-1", "web-01") rather than a number ("20-25")?"""
    words = masked[:hyphen].split()
    return bool(words) and hyphen > 0 and not masked[hyphen - 1].isspace() and any(ch.isalpha() for ch in words[-1])


def _numbers(masked: str, low: str) -> list[_Raw]:
    found: list[_Raw] = []
    for m in _NUMBER.finditer(masked):
        start, end = m.start(), m.end()
        before = masked[start - 1] if start else ""
        if before.isalnum() or (before and before in "_.,/") or (before == "-" and _after_name(masked, start - 1)):
            continue  # the tail of an identifier ("web-1", "s3-1", "1/2", "x.5")
        after = masked[end : end + 1]
        if (after.isalpha() or after == "_") and _GLUED_OK.match(masked, end) is None:
            continue  # "4o", "1a": part of a name
        value, decimals = _parse(m.group())
        signed = False
        if before and before in "-−+" and (start < 2 or not masked[start - 2].isalnum()):
            joined = masked[: start - 1].rstrip(_SP)
            if not joined[-1:].isdigit():  # "20–25" is a range, not −25
                signed = True
                value = -value if before != "+" else value
                start -= 1
        found.append(_Raw(start, end, value, decimals, False, signed))
    for w in find_word_numbers(low):
        found.append(_Raw(w.start, w.end, w.value, 0, True, False))
    found.sort(key=lambda r: r.start)
    return found


def _claim(text: str, masked: str, low: str, raw: _Raw) -> Claim | None:
    start, end = raw.start, raw.end
    value, decimals = raw.value, raw.decimals
    kind: Kind = "number"
    unit: str | None = None
    factor = 1.0
    scale = 1.0
    if m := _KOPECKS.match(masked, end):
        value += int(m.group("kop")) / 100 * (1 if value >= 0 else -1)
        decimals, kind, unit, end = 2, "money", "RUB", m.end()
    else:
        if m := _SCALE.match(masked, end):
            scale = _scale_of(m.group("scale"))
            end = m.end()
        if m := _SCORE.match(masked, end):
            kind, unit, end = "score", f"/{m.group('of')}", m.end()
        elif m := _UNIT.match(masked, end):
            _, kind, unit, factor = _UNITS[int(str(m.lastgroup)[1:])]
            end = m.end()
        if kind == "number" and (prefix := _prefix_currency(masked, start)):
            kind, unit, start = "money", _PREFIX_CURRENCIES[prefix[0]], prefix[1]
    period = None
    if kind in ("money", "number") and (m := _PERIOD.match(low, end)):
        period = next(k for k in ("month", "year", "day", "hour") if m.group(k))
        end = m.end()
        if kind == "number" and scale == 1.0 and not raw.words:
            kind = "money"  # "14 252,74 в месяц": money in no stated currency
    if raw.words and raw.value < 20 and kind in ("number", "count"):
        return None  # "two options", «в два этапа»: words for small counts are prose
    approx = _approx_before(low, start)
    mult = scale * factor
    precision = 0.5 * 10.0 ** (-decimals) * mult
    return Claim(
        text=text[start:end].strip(),
        start=start,
        end=end,
        value=value * mult,
        kind=kind,
        unit=unit,
        period=period,
        precision=precision,
        multiplier=mult,
        round_place=max(_round_place(raw.value, decimals) * mult, mult if (scale > 1 and decimals == 0) else 0.0),
        approx=approx,
        signed=raw.signed,
        words=raw.words,
    )


def _prefix_currency(masked: str, start: int) -> tuple[str, int] | None:
    """("$", its offset) when a currency is written just before the figure ("$1,200", "RUB 500")."""
    head = masked[max(0, start - 12) : start].rstrip(_SP)
    for sign in ("$", "€", "₽") if head[-1:] in "$€₽" else ("RUB", "USD", "EUR"):
        if head.endswith(sign):
            return sign, max(0, start - 12) + len(head) - len(sign)
    return None


def _approx_before(low: str, start: int) -> bool:
    head = low[max(0, start - 24) : start].rstrip(_SP)
    if head[-1:] in ("$", "€", "₽") and head:
        head = head[:-1].rstrip(_SP)
    return head.endswith(_APPROX_MARKERS)


def _scale_of(word: str) -> float:
    w = word.rstrip(".").lower()
    return next((value for stem, value in _SCALES if w.startswith(stem)), 1.0)


def _join_ranges(claims: list[Claim], masked: str) -> list[Claim]:
    """ "20–25 тыс. ₽", "от 20 000 до 25 000 ₽": the left end takes the right end's scale and unit."""
    out = list(claims)
    for i in range(len(out) - 1):
        left, right = out[i], out[i + 1]
        between = masked[left.end : right.start]
        if len(between.strip(_SP)) > 3 or not _RANGE_JOIN.search(between):
            continue
        if left.kind == "number" and right.kind != "number":
            mult = right.multiplier
            out[i] = replace(
                left,
                value=left.value * mult,
                precision=left.precision * mult,
                round_place=left.round_place * mult,
                multiplier=left.multiplier * mult,
                kind=right.kind,
                unit=right.unit,
                period=right.period,
                in_range=True,
            )
        elif left.kind == right.kind:
            out[i] = replace(left, in_range=True, period=left.period or right.period)
        else:
            continue
        out[i + 1] = replace(right, in_range=True)
    return out


def extract_claims(text: str) -> list[Claim]:
    """Every figure `text` states, in order."""
    masked = _masked(text)
    low = _lower(masked)
    claims = [c for raw in _numbers(masked, low) if (c := _claim(text, masked, low, raw)) is not None]
    claims = _drop_overlaps(claims)
    kept = [y for c in claims if (y := _year_or_claim(c)) is not None]
    return _join_ranges(kept, masked)


def _drop_overlaps(claims: list[Claim]) -> list[Claim]:
    out: list[Claim] = []
    for c in claims:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


def _year_or_claim(c: Claim) -> Claim | None:
    """A bare whole number from 1990 to 2100 with no unit is a year ("в 2025 году", "since 2024")."""
    is_year = c.kind == "number" and c.period is None and 1990 <= c.value <= 2100 and float(c.value).is_integer()
    return None if is_year and c.text.isdigit() else c
