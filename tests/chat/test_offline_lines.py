"""Offline answers read in the user's language: each tool's line is rendered from its data in
Russian (or English), not copied from its English summary, and every number still grounds."""

from __future__ import annotations

import pytest

from infrazen_agent.chat.offline_lines import RENDERERS, amount, effort_factor, num, pct

from .clients import Chat, of_type, top_recommendation

# Phrases of the tools' English summaries and of the old English detail lines.
ENGLISH = (
    "saves",
    "confidence",
    "alternatives for",
    "spent",
    "vs previous",
    " vs ",
    "risk:",
    "effort ",
    "steps for",
    "run rate",
    "anomalies in",
    "open recommendations",
    "resources on",
    "over ",
    "CPU avg",
    "points",
    " by service",
    " by provider",
    "RUB/month",
)

RECOMMENDATION_QUESTIONS = [
    ("Какие есть альтернативы дешевле?", {"list_top_alternatives"}),
    ("Какой план миграции и насколько это сложно?", {"estimate_migration_effort", "generate_step_plan"}),
    ("Какая загрузка CPU у сервера?", {"get_latest_snapshot", "get_resource"}),
    ("Объясни, почему это выгодно?", {"get_recommendation", "get_resource"}),
]
ANALYTICS_QUESTIONS = [
    ("Покажи тренд расходов", {"get_cost_trends"}),
    ("Какие сервисы дороже всего?", {"get_service_breakdown"}),
    ("Как расходы делятся по провайдерам?", {"get_provider_breakdown"}),
    ("Были ли аномалии или скачки?", {"get_anomalies"}),
    ("Какие рекомендации дадут экономию?", {"summarize_top_recommendations"}),
    ("Дай обзор расходов", {"get_analytics_overview"}),
]


def test_every_named_tool_has_a_renderer() -> None:
    wanted = {name for _, names in RECOMMENDATION_QUESTIONS + ANALYTICS_QUESTIONS for name in names}
    assert wanted | {"get_user_context"} <= set(RENDERERS)


def test_number_formats() -> None:
    assert amount(14252.74, "RUB", "month", "ru") == "14 252,74 ₽/мес"
    assert amount(14252.74, "RUB", "month", "en") == "14 252.74 RUB/month"
    assert amount(58.33, "USD", "day", "ru") == "58,33 USD/день"
    # At most two decimals: "0,855" would read as 855 in Russian grouping.
    assert num(0.855, "ru") in ("0,85", "0,86") and num(4.0, "ru") == "4"
    assert pct(-63.48, "ru", signed=True) == "-63,48%" and pct(12.5, "en", signed=True) == "+12.5%"


def _assert_russian(content: str) -> None:
    assert content.startswith("_Офлайн-режим")
    found = [p for p in ENGLISH if p in content]
    assert not found, f"English fragments {found} in:\n{content}"


async def _ask_all(
    chat: Chat, body: dict[str, object], questions: list[tuple[str, set[str]]]
) -> list[tuple[str, list[dict[str, object]]]]:
    started = await chat.start(body)
    out = []
    async with chat.ws(started["session_id"]) as ws:
        for question, _ in questions:
            out.append((question, await ws.ask(question)))
    return out


def _check(question: str, tools: set[str], events: list[dict[str, object]]) -> None:
    called = {str(c["name"]).partition("@")[0] for c in of_type(events, "tool_call")}
    assert tools <= called, (question, called)
    assert all(r["ok"] for r in of_type(events, "tool_result")), question
    final = events[-1]
    assert final["type"] == "message" and final["mode"] == "offline"
    content = str(final["content"])
    _assert_russian(content)
    grounding = final["grounding"]
    assert isinstance(grounding, dict)
    assert grounding["ok"] is True and grounding["checked"] > 0, (question, grounding["untraced"], content)


async def test_recommendation_answers_in_russian(offline_chat: Chat) -> None:
    rec = top_recommendation(offline_chat.settings)
    body = {"scope": "recommendation", "recommendation_id": rec["id"]}
    answers = await _ask_all(offline_chat, body, RECOMMENDATION_QUESTIONS)
    for (question, events), (_, tools) in zip(answers, RECOMMENDATION_QUESTIONS, strict=True):
        _check(question, tools, events)
    alternatives = str(answers[0][1][-1]["content"])
    assert "альтернативы для" in alternatives and "₽/мес" in alternatives
    plan = str(answers[1][1][-1]["content"])
    assert "трудоёмкость" in plan and "риск:" in plan
    assert "Вывести исходный ресурс" in plan  # the sixth step: a plan is shown whole


async def test_analytics_answers_in_russian(offline_chat: Chat) -> None:
    answers = await _ask_all(offline_chat, {"scope": "analytics", "time_range": {"days": 30}}, ANALYTICS_QUESTIONS)
    for (question, events), (_, tools) in zip(answers, ANALYTICS_QUESTIONS, strict=True):
        _check(question, tools, events)


@pytest.mark.parametrize("rec_type", ["rightsize_cpu", "stopped_server"])
async def test_other_recommendation_types_in_russian(offline_chat: Chat, rec_type: str) -> None:
    rec = top_recommendation(offline_chat.settings, rec_type=rec_type)
    questions = [("Какой план и риски?", {"generate_step_plan"}), ("Сколько сэкономим?", {"get_recommendation"})]
    answers = await _ask_all(offline_chat, {"scope": "recommendation", "recommendation_id": rec["id"]}, questions)
    for (question, events), (_, tools) in zip(answers, questions, strict=True):
        _check(question, tools, events)


async def test_english_question_answers_in_english(offline_chat: Chat) -> None:
    started = await offline_chat.start(
        {"scope": "analytics", "time_range": {"days": 30}}, user="g-ops", tenant="globex"
    )
    async with offline_chat.ws(started["session_id"], user="g-ops", tenant="globex") as ws:
        events = await ws.ask("Give me a cost overview")
    final = events[-1]
    content = str(final["content"])
    assert content.startswith("_Offline mode")
    assert "spent" in content and "USD" in content
    assert not any(word in content for word in ("расходы", "Офлайн", "/мес", "аномалий"))
    assert final["grounding"]["ok"] is True, final["grounding"]["untraced"]


@pytest.mark.parametrize(
    ("nodes", "ru"),
    [(1, "1 узел"), (2, "2 узла"), (4, "4 узла"), (5, "5 узлов"), (11, "11 узлов"), (21, "21 узел"), (22, "22 узла")],
)
def test_effort_factors_read_as_russian_with_the_right_plural(nodes: int, ru: str) -> None:
    factor = {"factor": "cluster", "detail": f"{nodes} nodes to replicate", "points": 1}
    assert effort_factor(factor, "ru") == f"кластер: {ru} для репликации (+1)"
    assert effort_factor(factor, "en") == f"cluster: {nodes} nodes to replicate (+1)"
    data = {"factor": "data to move", "detail": "320 GB", "points": 1}
    assert effort_factor(data, "ru") == "объём данных: 320 ГБ (+1)"
