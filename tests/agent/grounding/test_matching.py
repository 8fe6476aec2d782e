"""Matching by meaning: kind, currency, period, unit and subject must all agree."""

from __future__ import annotations

import pytest

from infrazen_agent.agent.grounding import Fact, mark_untraced, trace

FACTS = [
    Fact(22452.74, "money", "cost.current.monthly", "RUB", "month"),
    Fact(8200.0, "money", "cost.target.monthly", "RUB", "month"),
    Fact(14252.74, "money", "savings.monthly", "RUB", "month"),
    Fact(171032.88, "money", "savings.yearly", "RUB", "year"),
    Fact(63.5, "percent", "savings.percent", "%"),
    Fact(16, "cpu", "resource.spec.vcpu", "vCPU"),
    Fact(32, "size", "resource.spec.ram_gb", "GB"),
    Fact(160, "size", "resource.spec.disk_gb", "GB"),
    Fact(4, "duration", "effort.hours", "h"),
    Fact(3, "score", "effort.score", "/5"),
    Fact(5, "count", "alternatives.count"),
]


@pytest.mark.parametrize(
    "text",
    [
        "Экономия 14 252,74 ₽/мес, 171 032,88 ₽ в год (63,5 %).",
        "Сейчас 22 452,74 ₽ в месяц, после переезда 8 200 ₽.",
        "After the move it costs 8,200.00 RUB/month, down from 22,452.74 RUB/month now.",
        "около 14 000 ₽ в месяц экономии, примерно 14,3 тыс. ₽",
        "в 2,7 раза дешевле; 16 vCPU / 32 GB RAM / 160 GB ssd; ≈4 ч, сложность 3/5; 5 альтернатив",
        "the saving is 64% of today's bill; yearly = monthly × 12",
        "| сервер | 22 452,74 | 8 200,00 | 14 252,74 |",
    ],
)
def test_true_figures_trace(text: str) -> None:
    g = trace(text, FACTS)
    assert g.ok, g.to_dict()


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Экономия $14,252.74 в месяц", "$14,252.74"),  # wrong currency
        ("Экономия 14 252,74 ₽ в год", "14 252,74 ₽ в год"),  # monthly figure said yearly
        ("Экономия 14 252,74 ₽ в день", "14 252,74 ₽ в день"),
        ("диск 160 ТБ", "160 ТБ"),
        ("экономия 73,5 %", "73,5 %"),
        ("в 5 раз дешевле", "5 раз"),
        ("≈ 20 000 ₽ в месяц экономии", "20 000 ₽ в месяц"),
        ("32 vCPU", "32 vCPU"),
        ("около 12 ч работы", "12 ч"),
        ("Сейчас сервер стоит 8 200 ₽, после переезда будет 22 452,74 ₽", "8 200 ₽"),
        ("экономия 5034 ₽", "5034 ₽"),
        ("пятнадцать тысяч рублей экономии", "пятнадцать тысяч рублей"),
        ("15 тыс. ₽ экономии", "15 тыс. ₽"),
        ("1,2e4 ₽ экономии", "1,2e4 ₽"),
        ("от 20 000 до 25 000 ₽ в месяц", "20 000"),
    ],
)
def test_wrong_figures_do_not_trace(text: str, wrong: str) -> None:
    g = trace(text, FACTS)
    assert any(wrong in n.claim.text for n in g.untraced), g.to_dict()


def test_traced_numbers_name_their_fact() -> None:
    g = trace("Экономия 171 032,88 ₽ в год, это 14 252,74 ₽ × 12.", FACTS)
    by_text = {n.claim.text: n for n in g.numbers}
    assert by_text["171 032,88 ₽ в год"].source == "savings.yearly"
    assert by_text["14 252,74 ₽"].source == "savings.monthly"
    assert g.to_dict()["numbers"][0]["source"] == "savings.yearly"


def test_the_daily_times_30_confusion_stays_untraced() -> None:
    # 8 200 ₽/month is not 273,33 ₽/day × 30 unless a day figure is a fact
    g = trace("В день это 273,33 ₽/день", FACTS)
    assert not g.ok


def test_marking_makes_untraced_figures_visible_in_both_languages() -> None:
    for lang, mark in (("ru", "не подтверждено"), ("en", "not confirmed")):
        text = "Экономия 99 999 ₽ в месяц и 14 252,74 ₽/мес."
        g = trace(text, FACTS)
        marked = mark_untraced(text, g, lang)
        assert marked.index(mark) > marked.index("99 999 ₽ в месяц")
        assert marked.count(mark) == 1
        again = trace(marked, FACTS)
        assert [n.claim.text for n in again.untraced] == ["99 999 ₽ в месяц"]


def test_a_passages_money_never_backs_the_tenants_bill() -> None:
    """A figure quoted from an approved passage backs a quote of it, never a statement about the
    tenant's own money (their bill, their savings, their cost after a move)."""
    from infrazen_agent.agent.grounding import Fact, trace

    passage = [
        Fact(3200.0, "money", "knowledge.money", "RUB", "month", "search_knowledge.passages[0].snippet"),
        Fact(40.0, "percent", "knowledge.percent", "%", None, "search_knowledge.passages[0].snippet"),
    ]
    for sentence in (
        "Сейчас вы платите 3 200 ₽/мес.",
        "После переезда вы будете платить 3 200 ₽/мес.",
        "Ваша экономия составит 3 200 ₽/мес.",
    ):
        assert not trace(sentence, passage).ok, sentence
    assert trace("По руководству, порог загрузки CPU — 40 %.", passage).ok
    assert trace("В руководстве пример: 3 200 ₽/мес.", passage).ok  # quoted as the passage's, no cue
