"""Offline answers read in the user's language: each tool's line is rendered from its data in
Russian (or English), not copied from its English summary, and every number still grounds."""

from __future__ import annotations

import pytest

from infrazen_agent.wording.tool_lines import RENDERERS, effort_factor

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


def _rub(amount: float, period: str = "month") -> dict[str, object]:
    return {"amount": amount, "currency": "RUB", "period": period}


def test_lines_write_numbers_the_shared_way() -> None:
    """The renderers format through infrazen_agent.wording: NBSP groups and a decimal comma in
    Russian, two decimals for money, one for percentages, at most two for a plain number."""
    rec = {
        "id": 7,
        "rec_type": "rightsize_cpu",
        "resource": {"name": "web-1"},
        "savings_monthly": _rub(14252.74),
        "savings_pct": 63.48,
        "confidence": 0.855,
        "status": "pending",
        "current_monthly": _rub(22450),
        "target_monthly": _rub(8197.26),
    }
    ru = RENDERERS["get_recommendation"](rec, "ru")
    assert ru[0] == (
        "#7 уменьшение размера сервера для web-1: экономия 14\u00a0252,74\u00a0₽/мес (63,5\u00a0%), "
        "уверенность высокая, статус: ожидает решения"
    )
    assert ru[1] == "сейчас 22\u00a0450,00\u00a0₽/мес, после — 8\u00a0197,26\u00a0₽/мес"
    en = RENDERERS["get_recommendation"](rec, "en")
    assert en[0] == "#7 downsize the server for web-1: saves 14,252.74 RUB/month (63.5%), confidence high, pending"
    usd = {"name": "api", "amount": {"amount": 58.33, "currency": "USD", "period": "day"}, "pct": -12.5}
    breakdown = {"range": {"start": "a", "end": "b"}, "dimension": "service", "total": _rub(1, "range")}
    assert (
        RENDERERS["get_service_breakdown"]({**breakdown, "items": [usd]}, "ru")[1]
        == "api: 58,33\u00a0$/день (-12,5\u00a0%)"
    )
    assert RENDERERS["get_service_breakdown"]({**breakdown, "items": [usd]}, "en")[1] == "api: $58.33/day (-12.5%)"
    # A value the data lacks reads as "?", never as a made-up number.
    assert "экономия ?" in RENDERERS["get_recommendation"]({**rec, "savings_monthly": None}, "ru")[0]


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
    assert "Трудоёмкость" in plan and "риск:" in plan
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
    assert "spent $" in content  # globex bills in dollars: "spent $1,234.50"
    assert not any(word in content for word in ("расходы", "Офлайн", "/мес", "аномалий"))
    assert final["grounding"]["ok"] is True, final["grounding"]["untraced"]


@pytest.mark.parametrize(
    ("nodes", "ru"),
    [(1, "1 узел"), (2, "2 узла"), (4, "4 узла"), (5, "5 узлов"), (11, "11 узлов"), (21, "21 узел"), (22, "22 узла")],
)
def test_effort_factors_read_as_russian_with_the_right_plural(nodes: int, ru: str) -> None:
    factor = {
        "code": "cluster",
        "factor": "cluster",
        "detail": f"{nodes} nodes to replicate",
        "points": 1,
        "nodes": nodes,
    }
    assert effort_factor(factor, "ru") == f"кластер: {ru} для репликации (+1)"
    node_word = "node" if nodes == 1 else "nodes"
    assert effort_factor(factor, "en") == f"cluster: {nodes} {node_word} to replicate (+1)"


def test_effort_factors_are_written_from_their_values_not_translated() -> None:
    """A size is written from `size_gb` (NBSP groups, decimal comma, ГБ); the change type from the
    recommendation type; the English `detail` is never parsed."""
    data = {"code": "data_to_move", "factor": "data to move", "detail": "ignored", "points": 1, "size_gb": 1280.5}
    assert effort_factor(data, "ru") == "объём данных: 1\u00a0280,5\u00a0ГБ (+1)"
    assert effort_factor(data, "en") == "data to move: 1,280.5 GB (+1)"
    change = {"code": "change_type", "factor": "change type", "detail": "rightsize cpu", "points": 1}
    assert effort_factor({**change, "change": "rightsize_cpu"}, "en") == "change type: downsize the server (+1)"
    assert (
        effort_factor({**change, "change": "rightsize_cpu"}, "ru") == "тип изменения: уменьшение размера сервера (+1)"
    )
    moving = {"code": "new_provider", "factor": "new provider", "detail": "x", "points": 1}
    moving |= {"source_provider": "Selectel", "target_provider": "Beget"}
    assert effort_factor(moving, "ru") == "новый провайдер: Selectel → Beget: аккаунты, сеть, образы, IAM (+1)"


async def test_a_weekly_trend_shows_the_latest_weeks(offline_chat: Chat) -> None:
    """«Покажи тренд расходов по неделям» over 90 days: the most recent weeks, not the oldest."""
    started = await offline_chat.start({"scope": "analytics", "time_range": {"days": 90}})
    async with offline_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("Покажи тренд расходов по неделям")
    [result] = [e for e in events if e["type"] == "tool_result"]
    assert result["ok"]
    answer = events[-1]["content"]
    weeks = [line for line in answer.splitlines() if line.strip().startswith("- 2025-") and "по неделям" not in line]
    assert weeks and weeks[-1].strip().startswith("- 2025-06-30..2025-06-30")  # the latest period is shown
    assert not any(w.strip().startswith("- 2025-04-") for w in weeks)  # the oldest are not
