"""Offline mode (no model): intents pick the tools, the answer is a labelled template of their
facts, and every number in it grounds. Also the unit tests of intent matching."""

from __future__ import annotations

import re

import pytest

from infrazen_agent.chat.intents import route

from .clients import Chat, of_type, text_of, top_recommendation


@pytest.mark.parametrize(
    ("scope", "text", "first"),
    [
        ("recommendation", "Какие есть альтернативы подешевле?", "alternatives"),
        ("recommendation", "What would the migration plan look like?", "plan"),
        ("recommendation", "Какая загрузка CPU у сервера?", "utilisation"),
        ("recommendation", "Сколько сэкономим?", "savings"),
        ("recommendation", "Почему этот сервер дорогой?", "why_expensive"),
        ("recommendation", "привет", "unknown"),
        ("analytics", "Были ли аномалии или скачки?", "anomalies"),
        ("analytics", "How are costs split by provider?", "providers"),
        ("analytics", "Покажи тренд расходов", "trend"),
        ("analytics", "hello", "unknown"),
        ("analytics", "Сколько мы тратим на Kubernetes?", "services"),
        ("analytics", "Which servers are idle?", "idle"),
        ("analytics", "Какой прогноз расходов на следующий месяц?", "forecast"),
        ("analytics", "What will we spend next quarter?", "forecast"),
        ("analytics", "Сделай отчёт по расходам за квартал", "report"),
    ],
)
def test_intents(scope: str, text: str, first: str) -> None:
    assert route(scope, text).names[0] == first


async def test_offline_recommendation_answer_from_tools(offline_chat: Chat) -> None:
    rec = top_recommendation(offline_chat.settings)
    started = await offline_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    assert started["context"]["tokens"] <= 1500
    async with offline_chat.ws(started["session_id"]) as ws:
        assert ws.ready["mode"] == "offline"  # type: ignore[attr-defined]
        events = await ws.ask("Какие есть альтернативы дешевле?", client_message_id="q1")
    calls = of_type(events, "tool_call")
    assert [c["name"] for c in calls] == ["list_top_alternatives"]
    assert of_type(events, "tool_result")[0]["ok"] is True
    final = events[-1]
    assert final["type"] == "message" and final["mode"] == "offline" and final["model"] == "offline"
    assert final["content"] == text_of(events)
    assert final["content"].startswith("_Офлайн-режим")
    assert "Beget" in final["content"] or "Selectel" in final["content"] or "VK" in final["content"]
    assert final["grounding"]["ok"] is True and final["grounding"]["checked"] > 0
    assert final["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}


async def test_offline_analytics_answer_in_english(offline_chat: Chat) -> None:
    started = await offline_chat.start(
        {"scope": "analytics", "time_range": {"days": 30}}, user="g-ops", tenant="globex"
    )
    assert started["context"]["tokens"] <= 2000
    async with offline_chat.ws(started["session_id"], user="g-ops", tenant="globex") as ws:
        events = await ws.ask("Were there any anomalies or spikes?")
    assert [c["name"] for c in of_type(events, "tool_call")] == ["get_anomalies"]
    final = events[-1]
    assert final["content"].startswith("_Offline mode")
    assert re.search(r"\$\d[\d,]*\.\d\d", final["content"])  # globex bills in dollars: "$1,234.50"
    assert final["grounding"]["ok"] is True


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("Какой прогноз расходов на следующий месяц?", "Прогноз расходов"),
        ("What is the forecast for next month?", "Cost forecast"),
    ],
)
async def test_offline_forecast_answers_with_its_interval(offline_chat: Chat, question: str, heading: str) -> None:
    started = await offline_chat.start({"scope": "analytics"})
    async with offline_chat.ws(started["session_id"]) as ws:
        events = await ws.ask(question)
    assert [c["name"] for c in of_type(events, "tool_call")] == ["forecast_costs"]
    final = events[-1]
    assert heading in final["content"] and final["grounding"]["ok"] is True, final["content"]
    assert final["grounding"]["checked"] >= 6  # each period's point and its low and high
