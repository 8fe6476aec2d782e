"""Which tools a turn offers the model (chat/offer.py), over banks of questions in both languages."""

from __future__ import annotations

import pytest

from infrazen_agent.chat.offer import ACTION_TOOLS, AUTOMATIC, KNOWLEDGE_TOOLS, offered_tools
from infrazen_agent.chat.offline import SCOPE_TOOLS

REC = list(SCOPE_TOOLS["recommendation"])
ANA = list(SCOPE_TOOLS["analytics"])
REC_PACK = {"data": {"recommendation": {"id": 1}, "resource": {"id": 2}, "snapshot": {"cpu_p95_pct": 5}}}
ANA_PACK = {"data": {"overview": {"total_spend": "1 RUB"}}}

ASKS_FOR_ACTION = [
    "Создай тикет в Jira на этот переезд",
    "Заведи заявку на миграцию",
    "Поставь задачу на команду DevOps",
    "Выгрузи документ с планом",
    "Хочу скачать план изменений",
    "Open a ticket for this move",
    "Create an issue in our tracker",
    "Draft a document I can share with the CTO",
    "Export the change plan",
]
NO_ACTION = [
    "Почему этот сервер дорогой?",
    "Дай пошаговый план миграции",
    "Какие риски у переезда?",
    "Сколько сэкономим в год?",
    "What is the migration plan?",
    "Is the target equivalent?",
    "How much effort is it?",
]


def test_action_tools_are_offered_when_asked_for_and_only_then() -> None:
    offered = [bool(ACTION_TOOLS & set(offered_tools("recommendation", REC, REC_PACK, q))) for q in ASKS_FOR_ACTION]
    quiet = [bool(ACTION_TOOLS & set(offered_tools("recommendation", REC, REC_PACK, q))) for q in NO_ACTION]
    assert sum(offered) == len(ASKS_FOR_ACTION), [q for q, o in zip(ASKS_FOR_ACTION, offered, strict=True) if not o]
    assert not any(quiet), [q for q, o in zip(NO_ACTION, quiet, strict=True) if o]


def test_tools_whose_data_the_pack_holds_are_not_offered_unless_it_lacks_them() -> None:
    full = set(offered_tools("recommendation", REC, REC_PACK, "Почему дорого?"))
    assert not {"get_recommendation", "get_resource", "get_latest_snapshot", "get_user_context"} & full
    assert {"list_top_alternatives", "estimate_migration_effort", "generate_step_plan"} <= full
    no_snapshot = {"data": {k: v for k, v in REC_PACK["data"].items() if k != "snapshot"}}
    assert "get_latest_snapshot" in offered_tools("recommendation", REC, no_snapshot, "Почему дорого?")
    # no pack at all (it failed to build): everything the scope has, actions and the knowledge
    # search still on request (reconcile_screenshot is never offered: the service runs it on a
    # turn with images)
    no_pack = set(offered_tools("recommendation", REC, None, "Почему дорого?"))
    assert no_pack == set(REC) - ACTION_TOOLS - AUTOMATIC - KNOWLEDGE_TOOLS


@pytest.mark.parametrize(
    ("question", "range_tools", "drill_down"),
    [
        ("Какие тренды?", False, False),
        ("Почему выросли расходы?", False, False),
        ("Which provider costs the most?", False, False),
        ("Покажи расходы за 90 дней", True, False),
        ("Что было в мае?", True, False),
        ("Compare last quarter by service", True, False),
        ("Расскажи про рекомендацию 5033", True, True),  # a number: maybe a period, surely an item
        ("Which servers cost the most?", False, True),
        ("Почему эта база такая дорогая?", False, True),
    ],
)
def test_analytics_offers_range_tools_for_another_period_and_item_tools_for_an_item(
    question: str, range_tools: bool, drill_down: bool
) -> None:
    offered = set(offered_tools("analytics", ANA, ANA_PACK, question))
    assert {"get_cost_trends", "summarize_top_recommendations"} <= offered  # always
    assert ("get_service_breakdown" in offered) is range_tools
    assert ("get_anomalies" in offered) is range_tools
    assert ("get_recommendation" in offered) is drill_down
    assert offered <= set(ANA)  # never a tool outside the scope
