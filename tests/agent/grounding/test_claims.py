"""Claims: every format a figure is written in, and what is not a figure at all."""

from __future__ import annotations

import pytest

from infrazen_agent.agent.grounding import extract_claims

NB, NN, TH = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize(
    ("text", "value", "kind", "unit", "period"),
    [
        ("стоит 1 234,56 ₽ в месяц", 1234.56, "money", "RUB", "month"),
        (f"стоит 14{NB}252,74{NB}₽", 14252.74, "money", "RUB", None),
        (f"стоит 14{NN}252,74 ₽/мес", 14252.74, "money", "RUB", "month"),
        (f"стоит 14{TH}252,74 руб.", 14252.74, "money", "RUB", None),
        ("saves 12 500 RUB/month", 12500.0, "money", "RUB", "month"),
        ("about $1,234.50 per month", 1234.5, "money", "USD", "month"),
        ("итого 14.252,74 €", 14252.74, "money", "EUR", None),
        ("итого 14 252 ₽ 74 коп.", 14252.74, "money", "RUB", None),
        ("это 1,4252e4 ₽", 14252.0, "money", "RUB", None),
        ("бюджет 1,2 млн ₽", 1_200_000.0, "money", "RUB", None),
        ("около 15 тыс. руб", 15_000.0, "money", "RUB", None),
        ("about 15k RUB a year", 15_000.0, "money", "RUB", "year"),
        ("$14.3K", 14_300.0, "money", "USD", None),
        ("пятнадцать тысяч рублей", 15_000.0, "money", "RUB", None),
        ("fifty-two thousand roubles", 52_000.0, "money", "RUB", None),
        ("четырнадцать тысяч двести пятьдесят два рубля", 14_252.0, "money", "RUB", None),
        ("экономия 35 %", 35.0, "percent", "%", None),
        ("падение −5 %", -5.0, "percent", "%", None),
        ("в 5 раз дешевле", 5.0, "ratio", "x", None),
        ("3× cheaper", 3.0, "ratio", "x", None),
        ("диск 160 ТБ", 160_000.0, "size", "GB", None),
        ("32 МБ RAM", 0.032, "size", "GB", None),
        ("16 vCPU", 16.0, "cpu", "vCPU", None),
        ("около 12 ч работы", 12.0, "duration", "h", None),
        ("за 2 недели", 14.0, "duration", "day", None),
        ("сложность 3/5", 3.0, "score", "/5", None),
        ("3 узла", 3.0, "count", "node", None),
        ("costs 3.5 USD/day", 3.5, "money", "USD", "day"),
    ],
)
def test_reads_each_format(text: str, value: float, kind: str, unit: str | None, period: str | None) -> None:
    found = extract_claims(text)
    assert len(found) == 1, found
    c = found[0]
    assert c.value == pytest.approx(value)
    assert (c.kind, c.unit, c.period) == (kind, unit, period)
    assert c.text in text and text[c.start : c.end].strip() == c.text


@pytest.mark.parametrize(
    "text",
    [
        "1. Сервер web-1 в ru-1a (gpt-4o, v1.2) с 2025-01-31 12:30 и 31.01.2025",
        "Ubuntu 22.04, PostgreSQL 16, Python 3.12, v1.2.3, s3-1, ru-9a",
        "30 ноября 2026, Nov 30, 2026, 1st of May, в 2025 году, since 2024, Q3",
        "Шаг 3: переключить; step 2 of 4; Этап 1; phase 2",
        "рекомендация №5034, resource #123, id 77, каталог 2025.06-demo.1",
        "**План**: 1. перенести, 2. проверить",
        "2-й сервер, 3rd option, two options, в два этапа",
    ],
)
def test_not_quantities(text: str) -> None:
    assert extract_claims(text) == []


def test_ranges_take_the_right_ends_unit() -> None:
    claims = extract_claims("от 20 000 до 25 000 ₽ и 20–25 тыс. ₽")
    assert [(c.value, c.kind, c.in_range) for c in claims] == [
        (20_000.0, "money", True),
        (25_000.0, "money", True),
        (20_000.0, "money", True),
        (25_000.0, "money", True),
    ]


def test_approximation_markers_and_round_places() -> None:
    a, b, c = extract_claims("≈ 20 000 ₽, около 14 250 ₽ и 14 252,74 ₽")
    assert (a.approx, a.round_place) == (True, 10_000)
    assert (b.approx, b.round_place) == (True, 10)
    assert (c.approx, c.round_place, c.precision) == (False, 0, 0.005)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # a figure right after a daily one is not a step marker ("day 71"): it is read, and checked
        ("1,490.48 RUB/day 719.99 RUB/day", [1490.48, 719.99]),
        ("5 ₽/день 71 ₽", [5.0, 71.0]),
        ("20 362,47 ₽/день 8 130,19 ₽/день", [20362.47, 8130.19]),
        ("Шаг 2 из 4: перенести 3 сервера", [3.0]),
        ("day 2, then 40 GB", [40.0]),
        # a step marker still is one, with sub-numbering, and the figure after it is read
        ("Шаг 2.1 проверить, пункт 3.2, step 1.2", []),
        ("Phase 2 15%", [15.0]),
        ("этап 2 10 серверов", [10.0]),
        ("Неделя 2 1 500 ₽", [1500.0]),
        # a figure right after a period word, in any unit
        ("в день 40 ГБ, в день 12 серверов, per day 15 vCPU", [40.0, 12.0, 15.0]),
    ],
)
def test_a_figure_after_a_period_word_is_still_a_figure(text: str, values: list[float]) -> None:
    assert [c.value for c in extract_claims(text)] == values
