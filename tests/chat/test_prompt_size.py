"""The first turn's prompt, counted with a real tokenizer (cl100k_base), tool schemas included
(every model call of every turn pays them): a recommendation chat ≤ 1,500 tokens and an
analytics chat ≤ 2,000, over a bank of first questions in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.llm_server import Reply, ScriptedLLMServer
from tests.support.tokenizer import cl100k, request_tokens

from .clients import Chat, top_recommendation

LIMITS = {"recommendation": 1500, "analytics": 2000}
QUESTIONS = {
    "recommendation": [
        "Почему этот сервер дорогой?",
        "Куда выгоднее перенести и сколько сэкономим в год?",
        "Насколько сложно мигрировать? Дай пошаговый план.",
        "Is the target really equivalent? What are the risks?",
        "What does the cheapest alternative cost per month?",
        "Создай тикет в Jira на этот переезд и выгрузи документ с планом",
    ],
    "analytics": [
        "Какие тренды?",
        "Сколько мы тратим на Kubernetes?",
        "Почему выросли расходы?",
        "Which provider costs the most and what can we save?",
        "Are there any anomalies?",
        "Покажи тренд расходов по неделям за 90 дней и аномалии за прошлый месяц",
        "Compare spend by provider last quarter with recommendation 5033",
    ],
}


@pytest.fixture(scope="module")
def enc() -> Any:
    return cl100k()


async def _first_request(chat: Chat, llm: ScriptedLLMServer, scope: str, question: str) -> dict[str, Any]:
    body: dict[str, Any] = {"scope": scope}
    if scope == "recommendation":
        body["recommendation_id"] = top_recommendation(chat.settings)["id"]
    llm.script(Reply(text="ok"))
    started = await chat.start(body)
    async with chat.ws(started["session_id"]) as ws:
        await ws.ask(question)
    return llm.requests[-1]


@pytest.mark.parametrize("scope", ["recommendation", "analytics"])
async def test_first_turn_prompts_fit_their_budget(
    scope: str, online_chat: Chat, llm_server: ScriptedLLMServer, enc: Any
) -> None:
    counts = [request_tokens(enc, await _first_request(online_chat, llm_server, scope, q)) for q in QUESTIONS[scope]]
    print(
        f"\n{scope}: " + "; ".join(f"{c['total']} ({c['tool_count']} tools, {c['tools']} in schemas)" for c in counts)
    )
    assert max(c["total"] for c in counts) <= LIMITS[scope], counts
