"""The number checker: Russian and English formats, and tracing numbers to facts through the
known derivations (and not through the day→month ×30 confusion)."""

from __future__ import annotations

import pytest

from infrazen_agent.agent.grounding import Fact, collect_facts, extract_numbers, trace


@pytest.mark.parametrize(
    ("text", "value", "unit", "period"),
    [
        ("стоит 1 234,56 ₽ в месяц", 1234.56, "RUB", "month"),
        ("стоит 1\u00a0234,56\u00a0₽", 1234.56, "RUB", None),
        ("saves 12 500 RUB/month", 12500.0, "RUB", "month"),
        ("экономия 35 %", 35.0, "%", None),
        ("about $1,234.50 per month", 1234.5, "USD", "month"),
        ("рост на 12,5%", 12.5, "%", None),
        ("бюджет 1,2 млн ₽", 1_200_000.0, "RUB", None),
        ("около 15 тыс. руб", 15_000.0, "RUB", None),
        ("62 832 ₽/год", 62_832.0, "RUB", "year"),
        ("падение −5 %", -5.0, "%", None),
        ("€12 a month", 12.0, "EUR", "month"),
        ("12,500,000 total", 12_500_000.0, None, None),
        ("1.234.567,8 всего", 1_234_567.8, None, None),
        ("costs 3.5 USD/day", 3.5, "USD", "day"),
    ],
)
def test_extracts_each_format(text: str, value: float, unit: str | None, period: str | None) -> None:
    found = extract_numbers(text)
    assert len(found) == 1, found
    assert found[0].value == pytest.approx(value)
    assert (found[0].unit, found[0].period) == (unit, period)
    assert found[0].text in text


def test_skips_identifiers_dates_times_and_list_markers() -> None:
    text = "1. Сервер web-1 в ru-1a (gpt-4o, v1.2) с 2025-01-31 12:30 и 31.01.2025\n2. Второй пункт: 4 vCPU"
    assert [m.value for m in extract_numbers(text)] == [4.0]


def test_spans_point_at_the_text() -> None:
    text = "Итого 5 236,00 ₽/мес и 41 %"
    for m in extract_numbers(text):
        assert text[m.start : m.end].strip() == m.text


FACTS = {
    "get_resource": {"monthly_cost": {"amount": 5236.0, "currency": "RUB", "period": "month"}},
    "list_top_alternatives": {"alternatives": [{"sku": "s2.medium", "monthly_price": 3100.0}]},
}


def test_traces_exact_rounded_and_derived_numbers() -> None:
    text = (
        "Сейчас 5 236 ₽/мес, альтернатива 3 100 ₽. Экономия 2 136 ₽ в месяц (≈41 %), "
        "за год 25 632 ₽; это примерно 5 200 ₽ текущих. Годовая стоимость 62 832 ₽/год. "
        "Новая цена — 59 % от текущей. 3 шага."
    )
    g = trace(text, FACTS)
    by_text = {n.mention.text: n for n in g.numbers}
    assert g.ok, g.to_dict()["untraced"]
    assert by_text["5 236 ₽/мес"].derivation == "exact"
    assert by_text["5 236 ₽/мес"].source == "get_resource.monthly_cost.amount"
    assert by_text["2 136 ₽ в месяц"].derivation == "difference"
    assert by_text["41 %"].derivation == "relative_difference"
    assert by_text["25 632 ₽"].derivation == "yearly_difference_x12"
    assert by_text["5 200 ₽"].derivation == "rounded"
    assert by_text["62 832 ₽/год"].derivation == "yearly_x12"
    assert by_text["59 %"].derivation == "ratio"
    assert by_text["3"].derivation == "small_integer"


def test_flags_invented_numbers_and_the_daily_times_30_confusion() -> None:
    # 157 080 = 5 236 × 30: the old agent's unit bug must not pass as a derivation.
    g = trace("Стоимость 157 080 ₽ в месяц, экономия 777 ₽, а 5 236 ₽ верно.", FACTS)
    assert g.to_dict()["untraced"] == ["157 080 ₽ в месяц", "777 ₽"]
    assert not g.ok


def test_a_yearly_figure_does_not_pass_as_monthly() -> None:
    g = trace("Стоимость 62 832 ₽/мес", FACTS)
    assert not g.ok


def test_percent_from_a_fraction_and_numbers_inside_summaries() -> None:
    facts = {"snapshot": {"cpu_avg": 0.075}, "summary": "server web-1: 4 vCPU / 8 GB, 5 236.00 RUB/month"}
    g = trace("CPU 7.5 %, cost 5,236.00 RUB per month", facts)
    assert g.ok, g.to_dict()
    assert g.numbers[0].derivation == "percent"


def test_collect_facts_walks_structures_and_ignores_booleans() -> None:
    facts = collect_facts({"a": [1, {"b": 2.5}], "ok": True, "s": "12 500 RUB"})
    assert sorted((f.source, f.value) for f in facts) == [("a[0]", 1.0), ("a[1].b", 2.5), ("s", 12500.0)]
    assert trace("12 500 RUB", [Fact("x", 12500.0)]).ok


def test_to_dict_lists_untraced_for_clients() -> None:
    d = trace("Цена 999 ₽", {}).to_dict()
    assert d == {
        "ok": False,
        "checked": 1,
        "untraced": ["999 ₽"],
        "numbers": [
            {
                "text": "999 ₽",
                "value": 999.0,
                "unit": "RUB",
                "period": None,
                "traced": False,
                "source": None,
                "derivation": None,
            }
        ],
    }
