"""Both chats use the knowledge base: offline, a how-to question is answered with the top passages
cited (every figure in them traces, as quoted from the passage); online, `search_knowledge` is
offered for guidance questions only, and a figure the model quotes from a passage traces too."""

from __future__ import annotations

from typing import Any

import pytest

from infrazen_agent.chat.intents import route
from infrazen_agent.chat.offer import offered_tools
from infrazen_agent.chat.offline import SCOPE_TOOLS
from tests.chat.clients import Chat, of_type, top_recommendation
from tests.chat.conftest import offline_chat, online_chat
from tests.chat.seeded import database_url
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

__all__ = ["database_url", "offline_chat", "online_chat"]

GUIDANCE = [
    "Какие подводные камни при переезде в Selectel?",
    "Что означает EffectiveCost в FOCUS?",
    "Как правильно ставить теги на ресурсы?",
    "Включён ли НДС в цены Yandex Cloud?",
    "What does EffectiveCost mean in FOCUS?",
    "How should I rightsize a database server?",
    "What are the gotchas of managed Kubernetes at VK Cloud?",
    "Is egress billed at Selectel?",
]
NOT_GUIDANCE = [
    "Почему этот сервер дорогой?",
    "Сколько мы тратим на Kubernetes?",
    "Насколько сложно мигрировать? Дай пошаговый план.",
    "What does the cheapest alternative cost per month?",
    "Which provider costs the most and what can we save?",
    "How much effort is it?",
]


@pytest.mark.parametrize("scope", ["recommendation", "analytics"])
def test_guidance_questions_and_only_they_get_the_knowledge_tool(scope: str) -> None:
    allowed = list(SCOPE_TOOLS[scope])
    assert "search_knowledge" in allowed
    pack = {"data": {"overview": {"total_spend": "1 RUB"}, "recommendation": {"id": 1}}}
    asked = [q for q in GUIDANCE if "search_knowledge" not in offered_tools(scope, allowed, pack, q)]
    quiet = [q for q in NOT_GUIDANCE if "search_knowledge" in offered_tools(scope, allowed, pack, q)]
    assert not asked and not quiet
    assert all(route(scope, q).names[0] == "knowledge" for q in GUIDANCE)
    assert route(scope, GUIDANCE[0]).names == ["knowledge"]  # the passages alone answer it


def _content(events: list[dict[str, Any]]) -> dict[str, Any]:
    final = events[-1]
    assert final["type"] == "message", final
    return final


async def test_offline_analytics_chat_answers_a_migration_question_from_the_base(offline_chat: Chat) -> None:
    started = await offline_chat.start({"scope": "analytics", "time_range": {"days": 30}})
    async with offline_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("Какие подводные камни при переезде в Selectel?")
    assert [c["name"] for c in of_type(events, "tool_call")] == ["search_knowledge"]
    final = _content(events)
    content = final["content"]
    assert content.startswith("_Офлайн-режим") and "**Из базы знаний InfraZen**" in content
    assert "источник selectel-ru#migration" in content and "Selectel › Подводные камни переезда" in content
    assert "IP-адреса" in content  # the passage itself, not only its title
    assert final["grounding"]["ok"] is True


async def test_offline_recommendation_chat_answers_in_english_with_figures_that_trace(offline_chat: Chat) -> None:
    rec = top_recommendation(offline_chat.settings)
    started = await offline_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with offline_chat.ws(started["session_id"]) as ws:
        meaning = await ws.ask("What does EffectiveCost mean in FOCUS?")
        threshold = await ws.ask("What CPU p95 threshold makes a server a rightsizing candidate?")
    first = _content(meaning)
    assert "From the InfraZen knowledge base" in first["content"] and "source focus-en#cost-columns" in first["content"]
    final = _content(threshold)
    assert "rightsizing-en#when" in final["content"] and "40 %" in final["content"]
    grounding = final["grounding"]
    assert grounding["ok"] is True and grounding["checked"] >= 2
    quoted = [n for n in grounding["numbers"] if n["text"] == "40 %"]
    assert quoted and all(n["origin"] == "knowledge" for n in quoted)


async def test_online_the_model_searches_and_quotes_a_passage(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(
        Reply(tool_calls=[ScriptedToolCall("search_knowledge", '{"query": "CPU p95 threshold for rightsizing"}')]),
        Reply(text="A server is a candidate when CPU p95 stays below 40 % over 14 days (rightsizing-en#when)."),
    )
    started = await online_chat.start({"scope": "analytics", "time_range": {"days": 30}})
    async with online_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("What is the best practice for rightsizing servers?")
    first_request = llm_server.requests[0]
    assert "search_knowledge" in {t["function"]["name"] for t in first_request.get("tools", [])}
    result = of_type(events, "tool_result")[0]
    assert result["ok"] is True
    final = _content(events)
    assert final["mode"] == "online" and final["grounding"]["ok"] is True, final["grounding"]
    assert {n["origin"] for n in final["grounding"]["numbers"]} == {"knowledge"}
