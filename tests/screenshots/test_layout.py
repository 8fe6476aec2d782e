"""The layout rules on what OCR actually produces: amounts in every format a billing screen (or a
sloppy OCR pass) writes, dates and percentages that must not become amounts, periods in RU/EN."""

from __future__ import annotations

from datetime import date

import pytest

from infrazen_agent.screenshots.labels import match_service, provider_in
from infrazen_agent.screenshots.layout import Word, is_amount, numbers_in, period_in, read_layout

AMOUNTS = [
    ("12 179,35 ₽", 12179.35, "RUB"),
    ("12\u00a0179,35\u00a0₽", 12179.35, "RUB"),
    ("12 179,35 Р", 12179.35, "RUB"),  # Tesseract's ₽
    ("12 179,352", 12179.35, "RUB"),  # the ₽ glued on as a 2
    ("71006,232", 71006.23, "RUB"),
    ("40 509,25 2", 40509.25, "RUB"),
    ("1331,50Р", 1331.5, "RUB"),
    ("12,179.35 RUB", 12179.35, "RUB"),
    ("RUB 12,179.35", 12179.35, "RUB"),
    ("$1,234.50", 1234.5, "USD"),
    ("1 234,50 руб.", 1234.5, "RUB"),
    ("11676, 79 ₽", 11676.79, "RUB"),  # a space after the decimal mark
    ("€ 99.90", 99.9, "EUR"),
]


@pytest.mark.parametrize(("text", "value", "currency"), AMOUNTS)
def test_amounts_in_every_format(text: str, value: float, currency: str) -> None:
    found = [n for n in numbers_in(text) if is_amount(n)]
    assert [(n.value, n.currency) for n in found] == [(value, currency)]


@pytest.mark.parametrize("text", ["01.11.2026", "12:30", "2026-11-30", "23 %", "720 ч", "500 GB", "Сеть и 1Р-адреса"])
def test_what_is_not_an_amount(text: str) -> None:
    assert not [n for n in numbers_in(text) if is_amount(n)]


@pytest.mark.parametrize(
    "text",
    ["Период: 01.11.2026 – 30.11.2026", "2026-11-01 .. 2026-11-30", "1 ноября – 30 ноября 2026", "Nov 1 – Nov 30, 2026",
     "за ноябрь 2026", "Services for November 2026"],
)  # fmt: skip
def test_periods(text: str) -> None:
    period = period_in(text)
    assert period is not None and (period.start, period.end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_no_period_from_an_impossible_date() -> None:
    assert period_in("31.02.2026 – 30.03.2026") is None


def test_providers_and_services_are_named_loosely() -> None:
    assert provider_in("Детализация · Yandex Cloud") == ("yandex", "Yandex Cloud")
    assert provider_in("AWS Billing") == (None, "AWS")
    assert match_service("Облачные сервсры", ["compute", "backup"])[0] == "compute"  # an OCR typo
    assert match_service("Публичные IP-адреса", ["network", "compute"])[0] == "network"
    assert match_service("Техподдержка", ["compute", "backup"])[0] is None


def _row(y: int, *cells: tuple[int, str]) -> list[Word]:
    out, x = [], 0
    for start, text in cells:
        x = start
        for part in text.split():
            out.append(Word(part, x, y, x + 10 * len(part), y + 16, 0.95))
            x += 10 * len(part) + 6
    return out


def test_a_table_with_a_sidebar_a_header_a_total_and_a_kpi_caption() -> None:
    words = (
        _row(10, (300, "Детализация расходов Selectel"))
        + _row(40, (300, "Период: 01.11.2026 – 30.11.2026"))
        + _row(80, (20, "Главная"), (300, "Услуга"), (1000, "Сумма"))
        + _row(110, (20, "Биллинг"), (300, "Облачные серверы"), (1000, "168 491,56 ₽"))
        + _row(140, (300, "Сетевые диски"), (700, "500 ГБ"), (1000, "92 624,18 ₽"))
        + _row(170, (300, "Итого за период"), (1000, "261 115,74 ₽"))
        + _row(220, (1000, "Всего"))
        + _row(244, (1000, "261 115,74 ₽"))
    )
    content = read_layout(words)
    assert [(i.label, i.amount) for i in content.line_items] == [
        ("Облачные серверы", 168491.56),
        ("Сетевые диски", 92624.18),
    ]
    assert content.line_items[1].quantity == 500 and content.line_items[1].unit == "GB"
    assert [(t.label, t.amount, t.role) for t in content.totals] == [
        ("Итого за период", 261115.74, "total"),
        ("Всего", 261115.74, "total"),
    ]
    assert content.provider == "Selectel" and content.currency == "RUB" and content.kind == "billing_console"
