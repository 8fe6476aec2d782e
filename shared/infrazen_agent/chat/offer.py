"""Which tools a turn offers the model. Every offered schema is paid for in tokens on every model
call of the turn, so a turn offers what its question can use: not the tools whose data the
context pack already holds (unless the pack is missing it), the action tools only when the user
asks for a plan, a document or a ticket, the knowledge search only when it asks for guidance,
and in analytics the one-item tools only when the question names an item and the range tools
only when it names another period. The turn may
still *run* every tool of its scope (a model can follow up on an earlier turn's call); offering
is about the prompt only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..knowledge.questions import asks_for_guidance

# The pack section each pack-reading tool fills (context/packs.py steps).
_PACK_SECTIONS = {
    "recommendation": {
        "get_recommendation": "recommendation",
        "get_resource": "resource",
        "get_latest_snapshot": "snapshot",
    },
    "analytics": {},
}
# The pack answers who and what (scope, range, currency, inventory): no need to ask.
_NOT_WITH_A_PACK = frozenset({"get_user_context"})
ACTION_TOOLS = frozenset({"draft_change_plan", "create_ticket", "create_report"})
_ACTION_WORDS = re.compile(
    r"отч[её]т|report|тикет|заявк|задач[уиа] (?:в|на)|jira|трекер|документ|скача|выгруз|поделит|"
    r"ticket|issue|tracker|document|download|share|export|write.?up",
    re.IGNORECASE,
)
# With this many tools offered, the turn gets the pack's smaller fit (context/packs.lean).
LEAN_AT_TOOLS = 5


# Drill-down from analytics into one item: offered when the question names one.
_DRILL_DOWN = frozenset({"get_recommendation", "get_resource"})
_ITEM_WORDS = re.compile(
    r"\d{3,}|рекоменд|сервер|ресурс|машин|инстанс|баз[аыу]|кластер|диск|"
    r"recommend|server|resource|instance|machine|database|\bdb\b|cluster|disk|\bvm\b",
    re.IGNORECASE,
)


# Analytics tools whose output the pack holds for the session's range: offered when the question
# asks about another period (the trend and the recommendation list are always offered: a
# grouping or a type filter changes what they return).
_RANGE_TOOLS = frozenset({"get_analytics_overview", "get_service_breakdown", "get_provider_breakdown", "get_anomalies"})
_PERIOD_WORDS = re.compile(
    r"\d|дн[еяи]|день|недел|месяц|месяч|квартал|год|вчера|сегодня|прошл|предыдущ|период|январ|феврал|март|"
    r"апрел|ма[йяе]\b|июн|июл|август|сентябр|октябр|ноябр|декабр|с начала|"
    r"day|week|month|quarter|year|yesterday|today|last|previous|period|since|between|ytd|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    re.IGNORECASE,
)


# Guidance from the knowledge base: offered when the question asks how to do something, what a
# term means or what a provider does differently (knowledge/questions.py), not on every turn.
KNOWLEDGE_TOOLS = frozenset({"search_knowledge"})


# The forecast is offered when the question looks ahead (its schema would cost other turns tokens).
FORECAST_TOOLS = frozenset({"forecast_costs"})
_FORECAST_WORDS = re.compile(
    r"прогноз|будет|будущ|следующ|ожида|forecast|will|next|expect|project|predict", re.IGNORECASE
)


# Run by the service itself (a turn with images is reconciled before the model answers), so the
# model is never offered it: its schema would cost every turn tokens for nothing.
AUTOMATIC = frozenset({"reconcile_screenshot"})


def offered_tools(scope: str, allowed: Sequence[str], pack: dict[str, Any] | None, question: str) -> list[str]:
    data = (pack or {}).get("data") or {}
    held = {tool for tool, section in _PACK_SECTIONS.get(scope, {}).items() if data.get(section)}
    wants_action = bool(_ACTION_WORDS.search(question))
    names_an_item = scope != "analytics" or bool(_ITEM_WORDS.search(question))
    names_a_period = scope != "analytics" or not data or bool(_PERIOD_WORDS.search(question))
    wants_guidance = asks_for_guidance(question)
    return [
        name
        for name in allowed
        if name not in held
        and name not in AUTOMATIC
        and not (data and name in _NOT_WITH_A_PACK)
        and (name not in ACTION_TOOLS or wants_action)
        and (name not in KNOWLEDGE_TOOLS or wants_guidance)
        and (name not in FORECAST_TOOLS or bool(_FORECAST_WORDS.search(question)))
        and (name not in _DRILL_DOWN or names_an_item)
        and (name not in _RANGE_TOOLS or names_a_period)
    ]
