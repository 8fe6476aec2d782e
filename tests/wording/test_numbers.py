"""The one number format of every surface (infrazen_agent.wording.numbers), table by table."""

from __future__ import annotations

import pytest

from infrazen_agent.data.money import money
from infrazen_agent.wording import format_amount, format_money, format_number, format_percent

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "ru", "en"),
    [
        (0, "0", "0"),
        (0.0, "0", "0"),
        (16, "16", "16"),
        (16.0, "16", "16"),
        (2.5, "2,5", "2.5"),
        (2.50, "2,5", "2.5"),
        (0.855, "0,86", "0.86"),  # half-up, never banker's
        (0.005, "0,01", "0.01"),
        (0.004, "0", "0"),
        (1.005, "1,01", "1.01"),  # the decimal value as written, not the binary float below it
        (2.675, "2,68", "2.68"),
        (999, "999", "999"),
        (1234, f"1{NB}234", "1,234"),  # grouped from four digits
        (14252.74, f"14{NB}252,74", "14,252.74"),
        (1234567.891, f"1{NB}234{NB}567,89", "1,234,567.89"),
        (10**12, f"1{NB}000{NB}000{NB}000{NB}000", "1,000,000,000,000"),
        (-3, "-3", "-3"),
        (-1234.5, f"-1{NB}234,5", "-1,234.5"),
        (-0.001, "0", "0"),  # never "-0"
        (-0.005, "-0,01", "-0.01"),
    ],
)
def test_number(value: float, ru: str, en: str) -> None:
    assert format_number(value, "ru") == ru
    assert format_number(value, "en") == en


@pytest.mark.parametrize(
    ("value", "decimals", "ru", "en"),
    [
        (2.5, 2, "2,50", "2.50"),
        (16, 2, "16,00", "16.00"),
        (1234.5, 0, f"1{NB}235", "1,235"),
        (0.125, 2, "0,13", "0.13"),
        (-0.004, 2, "0,00", "0.00"),
        (7.25, 1, "7,3", "7.3"),
    ],
)
def test_number_with_fixed_decimals(value: float, decimals: int, ru: str, en: str) -> None:
    assert format_number(value, "ru", decimals=decimals) == ru
    assert format_number(value, "en", decimals=decimals) == en


@pytest.mark.parametrize(
    ("amount", "currency", "period", "ru", "en"),
    [
        (14252.74, "RUB", "month", f"14{NB}252,74{NB}₽/мес", "14,252.74 RUB/month"),
        (14252.74, "RUB", None, f"14{NB}252,74{NB}₽", "14,252.74 RUB"),
        (14252.74, "RUB", "range", f"14{NB}252,74{NB}₽", "14,252.74 RUB"),
        (5236, "RUB", "month", f"5{NB}236,00{NB}₽/мес", "5,236.00 RUB/month"),
        (171030.0, "RUB", "year", f"171{NB}030,00{NB}₽/год", "171,030.00 RUB/year"),
        (468.6, "RUB", "day", f"468,60{NB}₽/день", "468.60 RUB/day"),
        (0.45, "RUB", "hour", f"0,45{NB}₽/ч", "0.45 RUB/h"),
        (1234.5, "USD", None, f"1{NB}234,50{NB}$", "$1,234.50"),
        (1234.5, "USD", "month", f"1{NB}234,50{NB}$/мес", "$1,234.50/month"),
        (58.33, "USD", "day", f"58,33{NB}$/день", "$58.33/day"),
        (1234.5, "EUR", "month", f"1{NB}234,50{NB}€/мес", "€1,234.50/month"),
        (1234.5, "CNY", "month", f"1{NB}234,50{NB}CNY/мес", "1,234.50 CNY/month"),
        (0, "RUB", "month", f"0,00{NB}₽/мес", "0.00 RUB/month"),
        (0.005, "RUB", None, f"0,01{NB}₽", "0.01 RUB"),  # half-up, as billing rounds
        (0.125, "USD", None, f"0,13{NB}$", "$0.13"),
        (0.004, "USD", None, f"0,00{NB}$", "$0.00"),
        (-1500.5, "RUB", "month", f"-1{NB}500,50{NB}₽/мес", "-1,500.50 RUB/month"),
        (-1500.5, "USD", "month", f"-1{NB}500,50{NB}$/мес", "-$1,500.50/month"),
        (-0.001, "EUR", None, f"0,00{NB}€", "€0.00"),
        (1e9, "RUB", None, f"1{NB}000{NB}000{NB}000,00{NB}₽", "1,000,000,000.00 RUB"),
    ],
)
def test_money(amount: float, currency: str, period: str | None, ru: str, en: str) -> None:
    assert format_money(amount, currency, "ru", period) == ru
    assert format_money(amount, currency, "en", period) == en


def test_money_refuses_an_unknown_period() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        format_money(1, "RUB", "en", "fortnight")


@pytest.mark.parametrize(
    ("money_args", "ru", "en"),
    [
        ((14252.74, "RUB"), f"14{NB}252,74{NB}₽/мес", "14,252.74 RUB/month"),
        ((171032.88, "RUB", "year"), f"171{NB}032,88{NB}₽/год", "171,032.88 RUB/year"),
        ((99.999, "USD", "range"), f"100,00{NB}$", "$100.00"),
    ],
)
def test_amount_of_a_money_value(money_args: tuple[float, str], ru: str, en: str) -> None:
    m = money(*money_args)
    assert format_amount(m, "ru") == ru and format_amount(m, "en") == en
    assert format_amount(m, "en") == format_money(m.amount, m.currency, "en", m.period)


@pytest.mark.parametrize(
    ("value", "kwargs", "ru", "en"),
    [
        (63.48, {}, f"63,5{NB}%", "63.5%"),
        (63.45, {}, f"63,5{NB}%", "63.5%"),  # half-up
        (40.0, {}, f"40{NB}%", "40%"),
        (40, {}, f"40{NB}%", "40%"),
        (100, {}, f"100{NB}%", "100%"),
        (0, {}, f"0{NB}%", "0%"),
        (0.04, {}, f"0{NB}%", "0%"),
        (1234.5, {}, f"1{NB}234,5{NB}%", "1,234.5%"),
        (-12.5, {}, f"-12,5{NB}%", "-12.5%"),
        (63.48, {"decimals": 2}, f"63,48{NB}%", "63.48%"),
        (63.5, {"decimals": 2}, f"63,5{NB}%", "63.5%"),
        (30.54, {"decimals": 0}, f"31{NB}%", "31%"),
        (12.5, {"signed": True}, f"+12,5{NB}%", "+12.5%"),
        (-63.48, {"signed": True}, f"-63,5{NB}%", "-63.5%"),
        (0, {"signed": True}, f"0{NB}%", "0%"),
        (0.04, {"signed": True}, f"0{NB}%", "0%"),  # rounds to zero: no sign
        (-0.04, {"signed": True}, f"0{NB}%", "0%"),
    ],
)
def test_percent(value: float, kwargs: dict[str, int | bool], ru: str, en: str) -> None:
    assert format_percent(value, "ru", **kwargs) == ru
    assert format_percent(value, "en", **kwargs) == en
