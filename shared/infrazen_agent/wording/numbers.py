"""Numbers, money and percentages as every surface prints them, in Russian and English.

The formats follow CLDR's ``ru`` and ``en`` decimal and percent patterns, built on the standard
library (``Decimal``, half-up rounding like billing) rather than Babel:

============  ======================  ======================
              ru                      en
============  ======================  ======================
number        ``14 252,74`` (NBSP)    ``14,252.74``
percent       ``63,5 %`` (NBSP)       ``63.5%``
money, RUB    ``14 252,74 ₽/мес``     ``14,252.74 RUB/month``
money, USD    ``1 234,50 $``          ``$1,234.50``
money, EUR    ``1 234,50 €``          ``€1,234.50``
other code    ``1 234,50 CNY``        ``1,234.50 CNY``
============  ======================  ======================

Grouping starts at four digits in both languages ("1 234", "1,234"); a negative number takes a
plain hyphen-minus. Currency placement is our choice, not CLDR's: English puts the ISO code after
the amount for roubles (``14,252.74 RUB``, as InfraZen's pages do) and Russian puts ``$``/``€``
after it like ``₽``. Money always shows two decimals; a plain number at most two, trailing zeros
dropped.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

Lang = Literal["ru", "en"]

NBSP = "\u00a0"
_SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€"}
_PREFIXED_EN = frozenset({"USD", "EUR"})  # "$1,234.50"; every other currency follows the amount
_PERIODS = {
    "ru": {"month": "/мес", "year": "/год", "day": "/день", "hour": "/ч", "range": ""},
    "en": {"month": "/month", "year": "/year", "day": "/day", "hour": "/h", "range": ""},
}
_RU_MARKS = str.maketrans({",": NBSP, ".": ","})


class MoneyLike(Protocol):
    """Anything with an amount, its currency and its period (``data.money.Money`` and the like)."""

    @property
    def amount(self) -> float: ...
    @property
    def currency(self) -> str: ...
    @property
    def period(self) -> str: ...


def _fixed(value: float, lang: Lang, decimals: int) -> str:
    """Exactly `decimals` decimals, rounded half-up, grouped; never "-0"."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q.is_zero():
        q = q.copy_abs()
    text = f"{q:,.{decimals}f}"
    return text.translate(_RU_MARKS) if lang == "ru" else text


def _trimmed(value: float, lang: Lang, decimals: int) -> str:
    """At most `decimals` decimals: trailing zeros (and a bare decimal mark) dropped."""
    text = _fixed(value, lang, decimals)
    if decimals:
        text = text.rstrip("0").rstrip(",." if lang == "en" else ",")
    return text


def format_number(value: float, lang: Lang, *, decimals: int | None = None) -> str:
    """A number: "14 252,74" (ru, NBSP groups) / "14,252.74" (en). Without `decimals`: at most
    two, trailing zeros dropped ("16", "2,5"); with them: exactly that many ("2,50")."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if decimals is not None:
        return _fixed(value, lang, decimals)
    if isinstance(value, int):
        return _fixed(value, lang, 0)
    return _trimmed(value, lang, 2)


def format_money(amount: float, currency: str, lang: Lang, period: str | None = None) -> str:
    """Money: "14 252,74 ₽/мес", "14,252.74 RUB/month", "$1,234.50/month": always two decimals.

    `period` is "month", "year", "day" or "hour"; None or "range" (the period stated beside it)
    adds nothing; any other is a ValueError."""
    suffix = _PERIODS[lang].get(period or "range")
    if suffix is None:
        raise ValueError(f"unknown period {period!r}: month, year, day, hour, range or None")
    if lang == "ru":
        return f"{_fixed(amount, lang, 2)}{NBSP}{_SYMBOLS.get(currency, currency)}{suffix}"
    if currency in _PREFIXED_EN:
        whole = _fixed(amount, lang, 2)
        sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
        return f"{sign}{_SYMBOLS[currency]}{digits}{suffix}"
    return f"{_fixed(amount, lang, 2)} {currency}{suffix}"


def format_percent(value: float, lang: Lang, *, decimals: int = 1, signed: bool = False) -> str:
    """A percentage: "63,5 %" (ru, NBSP before the sign) / "63.5%" (en); at most `decimals`
    decimals, so "40 %"; `signed` puts "+" before a value that does not round to zero or below."""
    text = _trimmed(value, lang, decimals)
    if signed and not text.startswith("-") and text != "0":
        text = "+" + text
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"


def format_amount(m: MoneyLike, lang: Lang) -> str:
    """`format_money` of a money value with its own period."""
    return format_money(m.amount, m.currency, lang, m.period)


def format_size(gb: object, lang: Lang) -> str:
    """A size in gigabytes: "1 280 ГБ" (ru) / "1,280 GB" (en); "?" where there is none."""
    if not isinstance(gb, int | float) or isinstance(gb, bool):
        return "?"
    return f"{format_number(gb, lang)}{NBSP if lang == 'ru' else ' '}{'ГБ' if lang == 'ru' else 'GB'}"
