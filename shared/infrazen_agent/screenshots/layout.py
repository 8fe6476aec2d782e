"""Layout rules for billing screens read by OCR: words (with boxes) -> rows -> cells -> a
`ScreenContent`. Amount columns, totals, periods and currencies in Russian and English formats
("12 345,67 ₽", "₽12,345.67", "RUB 1 234", "01.11.2026 – 30.11.2026", "за ноябрь 2026",
"Nov 1 – Nov 30, 2026").

Tesseract has no ₽ glyph in its models: it reads the sign as "Р", "P", "2" or "?", sometimes
glued to the amount ("12 179,352"). A billing amount has two decimals, so a third decimal 2 after
a comma is read as the sign.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from statistics import median

from .labels import provider_in
from .model import LineItem, Period, ScreenContent, ScreenKind, Total, TotalRole, Utilisation


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x1: int
    y1: int
    x2: int
    y2: int
    conf: float  # 0..1

    @property
    def height(self) -> int:
        return self.y2 - self.y1


@dataclass(frozen=True, slots=True)
class Cell:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def conf(self) -> float:
        return min(w.conf for w in self.words)

    @property
    def x1(self) -> int:
        return self.words[0].x1

    @property
    def x2(self) -> int:
        return self.words[-1].x2

    @property
    def y1(self) -> int:
        return min(w.y1 for w in self.words)


# --- rows and cells -----------------------------------------------------------------------------


def rows_of(words: list[Word]) -> list[list[Word]]:
    """Words on one visual line, left to right (a word joins a row its vertical centre falls in)."""
    rows: list[list[Word]] = []
    spans: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: ((w.y1 + w.y2) / 2, w.x1)):
        centre = (w.y1 + w.y2) / 2
        for i, (top, bottom) in enumerate(spans):
            if top <= centre <= bottom:
                rows[i].append(w)
                spans[i] = (min(top, w.y1), max(bottom, w.y2))
                break
        else:
            rows.append([w])
            spans.append((w.y1, w.y2))
    return [sorted(r, key=lambda w: w.x1) for r in rows]


def cells_of(row: list[Word]) -> list[Cell]:
    """A row split where the gap between words is wider than about two spaces."""
    if not row:
        return []
    h = median(w.height for w in row) or 10
    out, current = [], [row[0]]
    for prev, w in pairwise(row):
        if w.x1 - prev.x2 > 1.3 * h:
            out.append(Cell(tuple(current)))
            current = []
        current.append(w)
    out.append(Cell(tuple(current)))
    return out


# --- numbers, currencies, dates -----------------------------------------------------------------

_SPACE = "[ \u00a0\u202f]"
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-−])?(?P<int>\d{1,3}(?:(?P<group>[ \u00a0\u202f.,'])\d{3})(?:(?P=group)\d{3})*|\d+)"
    r"(?:(?P<dec>[.,])(?P<frac>\d{1,3}))?(?![\d])"
)
_CURRENCY_AFTER = re.compile(r"^\s?(₽|руб\.?|р\.|rub\b|р(?![\w-])|p(?![\w-])|2\?|\?|2\b|\$|usd\b|€|eur\b)", re.I)
_CURRENCY_BEFORE = re.compile(r"(₽|rub|\$|usd|€|eur)\s?$", re.I)
_CODES = {"₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB", "rub": "RUB", "$": "USD", "usd": "USD"}
_CODES |= {"€": "EUR", "eur": "EUR"}
_OCR_ROUBLE = {"р", "p", "2", "?", "2?"}  # what Tesseract makes of "₽"
_PERCENT_AFTER = re.compile(r"^\s?%")
_UNIT_AFTER = re.compile(r"^\s?(ч|час\w*|h|hours?|гб|gb|тб|tb|шт\.?|pcs|vcpu|ядер|ip)\b", re.I)
_UNITS = {"ч": "h", "h": "h", "hour": "h", "hours": "h", "гб": "GB", "gb": "GB", "тб": "TB", "tb": "TB"}

_MONTHS_RU = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма[йя]",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_RU = re.compile(r"\b(" + "|".join(f"{m}\\w*" for m in _MONTHS_RU) + r")\s+(\d{4})", re.I)
_MONTH_EN = re.compile(r"\b(" + "|".join(f"{m}[a-z]*\\.?" for m in _MONTHS_EN) + r")\s+(\d{4})\b", re.I)
_D = r"(\d{1,2})[./](\d{1,2})[./](\d{4})"
_DATE_RANGE = re.compile(_D + r"\s*(?:[-–—]|по|to|until|\.\.)\s*" + _D)
_ISO_RANGE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\s*(?:[-–—]|to|\.\.)\s*(\d{4})-(\d{2})-(\d{2})")
_EN_RANGE = re.compile(
    r"\b([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:,\s*(\d{4}))?\s*[-–—]\s*([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s*(\d{4})",
    re.I,
)
_RU_RANGE = re.compile(
    r"\b(\d{1,2})\s+([а-я]+)\s*(?:(\d{4})\s*)?(?:г\.?\s*)?[-–—]\s*(\d{1,2})\s+([а-я]+)\s+(\d{4})", re.I
)
_SPLIT_DECIMALS = re.compile(r"(\d[,.]) (\d{2,3})\b")
_DATE_LIKE = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b")


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    start: int
    end: int
    currency: str | None
    decimals: int
    percent: bool
    unit: str | None


def numbers_in(text: str) -> list[Number]:
    """Numbers in a cell's text with the currency, unit or % written beside each."""
    text = _SPLIT_DECIMALS.sub(r"\1\2", text)  # "11676, 79": OCR put a space after the mark
    masked = _DATE_LIKE.sub(lambda m: "#" * len(m.group()), text)  # dates and times are not amounts
    out = []
    for m in _NUMBER.finditer(masked):
        whole, group, dec, frac = m.group("int"), m.group("group"), m.group("dec"), m.group("frac")
        currency = None
        spaced = group in (" ", "\u00a0", "\u202f") or not group
        if frac is not None and len(frac) == 3 and dec == "," and spaced and frac[-1] in "2?":
            frac, currency = frac[:2], "RUB"  # "12 179,352": the ₽ read as a 2
        if frac is not None and len(frac) == 3 and group is None and dec is not None:
            whole, frac = whole + frac, None  # "1,234" / "1.234" without decimals: a thousands group
        if group and dec and group == dec:
            whole, frac = whole + dec + frac if frac else whole, None
        digits = re.sub(r"\D", "", whole)
        value = float(digits + ("." + frac if frac else ""))
        if m.group("sign"):
            value = -value
        after, before = masked[m.end() :], masked[: m.start()]
        percent = bool(_PERCENT_AFTER.match(after))
        unit = None
        if currency is None and (c := _CURRENCY_AFTER.match(after)):
            token = c.group(1).lower()
            rouble_glyph = token in _OCR_ROUBLE and frac is not None
            currency = _CODES.get(token) or ("RUB" if rouble_glyph else None)
        if currency is None and (c := _CURRENCY_BEFORE.search(before)):
            currency = _CODES.get(c.group(1).lower())
        if currency is None and not percent and (u := _UNIT_AFTER.match(after)):
            token = u.group(1).lower().rstrip(".")
            unit = _UNITS.get(token, token)
        out.append(Number(value, m.start(), m.end(), currency, len(frac or ""), percent, unit))
    return out


def is_amount(n: Number) -> bool:
    """A money figure: a currency beside it, or two decimals (a table's amount column)."""
    return not n.percent and n.unit is None and (n.currency is not None or n.decimals == 2)


def _month_index(word: str, table: tuple[str, ...]) -> int | None:
    low = word.lower()
    for i, stem in enumerate(table):
        if re.match(stem, low):
            return i + 1
    return None


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


# Each range form and where its parts are: (day, month, year) of the start, then of the end.
_RANGES: tuple[tuple[re.Pattern[str], tuple[int, ...], tuple[str, ...] | None, float], ...] = (
    (_DATE_RANGE, (0, 1, 2, 3, 4, 5), None, 0.9),
    (_ISO_RANGE, (2, 1, 0, 5, 4, 3), None, 0.9),
    (_RU_RANGE, (0, 1, 2, 3, 4, 5), _MONTHS_RU, 0.85),
    (_EN_RANGE, (1, 0, 2, 4, 3, 5), _MONTHS_EN, 0.85),
)


def _range(m: re.Match[str], order: tuple[int, ...], months: tuple[str, ...] | None) -> tuple[date, date] | None:
    d1, m1, y1, d2, m2, y2 = (m.groups()[k] for k in order)
    i1 = _month_index(m1, months) if months else int(m1)
    i2 = _month_index(m2, months) if months else int(m2)
    if not (i1 and i2):
        return None
    start, end = _safe(int(y1 or y2), i1, int(d1)), _safe(int(y2), i2, int(d2))
    return (start, end) if start and end and start <= end else None


def period_in(text: str) -> Period | None:
    """The billing period a screen states, the most explicit form first."""
    for pattern, order, months, confidence in _RANGES:
        if (m := pattern.search(text)) and (found := _range(m, order, months)):
            return Period(start=found[0], end=found[1], text=m.group(), confidence=confidence)
    for pattern, table in ((_MONTH_RU, _MONTHS_RU), (_MONTH_EN, _MONTHS_EN)):
        if m := pattern.search(text):
            month = _month_index(m.group(1), table)
            if month:
                year = int(m.group(2))
                last = calendar.monthrange(year, month)[1]
                return Period(start=date(year, month, 1), end=date(year, month, last), text=m.group(), confidence=0.8)
    return None


# --- what a row says ----------------------------------------------------------------------------

_TOTAL_ROLES: tuple[tuple[re.Pattern[str], TotalRole], ...] = (
    (re.compile(r"в\s*т\.?\s*ч\.?|ндс|\bvat\b|\btax\b|налог", re.I), "vat"),
    (re.compile(r"подытог|subtotal", re.I), "subtotal"),
    (re.compile(r"к\s+оплате|amount\s+due|total\s+due|balance\s+due|to\s+pay", re.I), "due"),
    (re.compile(r"итого|всего|\btotal\b|сумма\s+за\s+период", re.I), "total"),
)
_HEADER = re.compile(r"^(услуга|сервис|наименование|service|item|description|name|название)\b", re.I)
_LETTERS = re.compile(r"[A-Za-zА-Яа-яЁё]")
_UTILISATION = re.compile(
    r"(?P<metric>CPU|ЦП|процессор\w*|vCPU|RAM|ОЗУ|памят\w*|memory|mem|disk|диск\w*|network|сеть)"
    r"[^%\d\n]{0,40}?(?P<value>\d{1,3}(?:[.,]\d{1,2})?)\s?%",
    re.I,
)
_METRIC = {"cpu": "cpu", "цп": "cpu", "процессор": "cpu", "vcpu": "cpu", "ram": "ram", "озу": "ram"}
_METRIC |= {"памят": "ram", "memory": "ram", "mem": "ram", "disk": "disk", "диск": "disk"}
_METRIC |= {"network": "network", "сеть": "network"}
_KIND_WORDS: dict[ScreenKind, re.Pattern[str]] = {
    "invoice": re.compile(
        r"сч[её]т\s*(№|n|#|на оплату|-фактура)|invoice|\bакт\b|к оплате|amount due|\bинн\b|bill to|плательщик|"
        r"поставщик|supplier",
        re.I,
    ),
    "billing_console": re.compile(
        r"детализац\w*|биллинг|billing|расход\w*|\bcosts?\b|usage|баланс|balance|потреблени\w*|consumption|"
        r"начислен\w*|charges",
        re.I,
    ),
    "metrics_graph": re.compile(r"utili[sz]ation|загрузк\w*|мониторинг|monitoring|\biops\b|load average", re.I),
    "terminal": re.compile(r"root@|\$ \w+|~\]?[#$]|kubectl|ssh |sudo |bash|docker ", re.I),
}


def _role(text: str) -> TotalRole | None:
    for pattern, role in _TOTAL_ROLES:
        if pattern.search(text):
            return role
    return None


def _label(cells: list[Cell], before: int) -> Cell | None:
    """The nearest cell left of the amount that names something (three letters or more)."""
    for cell in reversed(cells[:before]):
        if len(_LETTERS.findall(cell.text)) >= 3 and not any(is_amount(n) for n in numbers_in(cell.text)):
            return cell
    return None


def _label_above(rows: list[list[Cell]], r: int, amount: Cell) -> Cell | None:
    """A figure alone on its row under its caption (a KPI card: "Total" above "RUB 1,234.56")."""
    height = max(w.height for w in amount.words)
    for row in reversed(rows[max(0, r - 2) : r]):
        for cell in row:
            near = amount.y1 - cell.y1 <= 3 * height
            overlaps = cell.x1 <= amount.x2 and amount.x1 <= cell.x2
            if near and overlaps and len(_LETTERS.findall(cell.text)) >= 3:
                return cell if not numbers_in(cell.text) else None
    return None


def _clean_label(text: str) -> str:
    text = re.sub(r"^\s*\d{1,3}[.)]?\s+", "", text)  # a row number ("1.", "2")
    return text.strip(" :.|—-")[:200]


def read_layout(words: list[Word]) -> ScreenContent:
    rows = [cells_of(r) for r in rows_of(words)]
    full = "\n".join(" ".join(c.text for c in row) for row in rows)
    items: list[LineItem] = []
    totals: list[Total] = []
    utilisation: list[Utilisation] = []
    currencies: Counter[str] = Counter()
    for r, row in enumerate(rows):
        line = " ".join(c.text for c in row)
        for m in _UTILISATION.finditer(line):
            word = m.group("metric").lower()
            metric = next((v for k, v in _METRIC.items() if word.startswith(k)), "other")
            value = float(m.group("value").replace(",", "."))
            if value <= 100:
                utilisation.append(Utilisation(metric=metric, label=line[:200], value=value, confidence=0.7))  # type: ignore[arg-type]
        found: list[tuple[int, float, str | None, float]] = []  # (cell index, amount, currency, confidence)
        for i, cell in enumerate(row):
            for n in numbers_in(cell.text):
                if is_amount(n):
                    found.append((i, n.value, n.currency, cell.conf))
                    if n.currency:
                        currencies[n.currency] += 1
        if not found:
            continue
        index, amount, currency, conf = found[-1]  # the rightmost amount: the line's sum
        label_cell = _label(row, index) or _label_above(rows, r, row[index])
        role = _role(line if label_cell is None or label_cell in row else label_cell.text)
        label = _clean_label(label_cell.text if label_cell else line)
        if role is not None:
            totals.append(Total(label=label, amount=amount, currency=currency, confidence=round(conf, 2), role=role))
            continue
        if label_cell is None or _HEADER.match(label):
            continue
        quantity = unit = None
        for cell in row[row.index(label_cell) + 1 : index] if label_cell in row else ():
            for n in numbers_in(cell.text):
                if n.unit is not None:
                    quantity, unit = n.value, n.unit
        conf = min(conf, label_cell.conf)
        items.append(
            LineItem(
                label=label, amount=amount, currency=currency, confidence=round(conf, 2), quantity=quantity, unit=unit
            )
        )
    currency = currencies.most_common(1)[0][0] if currencies else _currency_word(full)
    for figure in (*items, *totals):
        if figure.currency is None:
            figure.currency = currency
    _, name = provider_in(full)
    kind, kind_conf = _kind(full, items, totals, utilisation)
    period = period_in(full)
    return ScreenContent(
        kind=kind,
        kind_confidence=kind_conf,
        provider=name,
        provider_confidence=0.9 if name else 0.0,
        period=period,
        currency=currency,
        totals=totals,
        line_items=items,
        utilisation=utilisation,
    )


def _currency_word(text: str) -> str | None:
    low = text.lower()
    for token, code in (("₽", "RUB"), ("rub", "RUB"), ("руб", "RUB"), ("usd", "USD"), ("$", "USD"), ("€", "EUR")):
        if token in low:
            return code
    return None


def _kind(
    text: str, items: list[LineItem], totals: list[Total], utilisation: list[Utilisation]
) -> tuple[ScreenKind, float]:
    scores: dict[ScreenKind, float] = {k: len(p.findall(text)) for k, p in _KIND_WORDS.items()}
    scores["metrics_graph"] += 2 * len(utilisation)
    months = len(_MONTH_RU.findall(text)) + len(_MONTH_EN.findall(text)) + len(_DATE_LIKE.findall(text))
    if months >= 5 and len(items) <= 2:
        scores["cost_chart"] = months / 2
    if items or totals:
        scores["billing_console"] += 1
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    if best <= 0:
        return "other", 0.3
    total = sum(scores.values())
    return kind, round(min(0.95, best / total), 2)
