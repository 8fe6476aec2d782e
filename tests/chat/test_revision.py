"""A wrong figure streamed by the model never stays in the answer as fact: the final `message`
carries the corrected (re-asked) or marked content with `revised: true`, the transcript keeps
that version, and the InfraZen route's single frame is the corrected text."""

from __future__ import annotations

import json

import websockets

from infrazen_agent.wording import format_money
from tests.support.llm_server import Reply, ScriptedLLMServer

from .clients import Chat, of_type, query, text_of, top_recommendation
from .test_legacy_client import _frames, infrazen_token


def _rub(amount: float) -> str:
    return format_money(float(amount), "RUB", "ru", "month")


async def test_a_wrong_figure_is_corrected_by_one_reask(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)
    wrong = _rub(float(rec["savings_monthly"]) * 1.5)
    right = f"Экономия составит {_rub(float(rec['savings_monthly']))} при переезде."
    llm_server.script(Reply(text=f"Экономия составит {wrong} при переезде.", chunk_size=5), Reply(text=right))
    started = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with online_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("Сколько сэкономим?")
    assert wrong in text_of(events)  # it was streamed...
    final = of_type(events, "message")[-1]
    assert final["revised"] is True and final["content"] == right  # ...and replaced
    assert final["grounding"]["ok"] is True
    assert final["grounding"]["numbers"][0]["source"] == "savings.monthly"
    # The re-ask told the model which figure is not in the data.
    assert wrong in llm_server.requests[-1]["messages"][-1]["content"]
    transcript = (await online_chat.transcript(started["session_id"])).json()
    assert transcript["messages"][-1]["content"] == right


async def test_a_figure_still_wrong_after_the_reask_is_marked(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)
    wrong = _rub(float(rec["savings_monthly"]) * 3)
    answer = f"Savings would be {wrong}, worth it."
    llm_server.script(Reply(text=answer), Reply(text=answer))  # the model insists
    started = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with online_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("How much do we save?")
    final = of_type(events, "message")[-1]
    assert final["revised"] is True
    assert final["content"].startswith(f"Savings would be {wrong} [⚠ not confirmed by the data]")
    assert final["grounding"]["ok"] is False and final["grounding"]["untraced"] == [wrong]
    transcript = (await online_chat.transcript(started["session_id"])).json()
    assert transcript["messages"][-1]["content"] == final["content"]


async def test_a_true_answer_is_not_revised(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)
    answer = f"Экономия {_rub(float(rec['savings_monthly']))}, за год в 12 раз больше."
    llm_server.script(Reply(text=answer))
    started = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with online_chat.ws(started["session_id"]) as ws:
        events = await ws.ask("Сколько сэкономим?")
    final = of_type(events, "message")[-1]
    assert (final["revised"], final["content"], final["grounding"]["ok"]) == (False, answer, True)
    assert len(llm_server.requests) == 1  # no re-ask


async def test_the_infrazen_route_gets_the_corrected_text(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)
    right = f"Экономия {_rub(float(rec['savings_monthly']))}."
    llm_server.script(Reply(text="Экономия 1 000 000,00 ₽/мес."), Reply(text=right))
    token = infrazen_token(1001, scenario="recommendation", recommendation_id=rec["id"])
    url = f"{online_chat.server.ws_url}/v1/chat/rec/{rec['id']}?token={token}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())  # system
        await conn.send(json.dumps({"content": "Сколько сэкономим?"}))
        frames = await _frames(conn, "assistant")
    assert frames[-1]["content"] == right


_CORES_RU = {2: "два ядра", 4: "четыре ядра", 8: "восемь ядер", 16: "шестнадцать ядер"}


async def test_a_figure_in_words_traces_to_the_pack(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    """No digit in the answer, but a figure all the same ("восемь ядер"): it is checked against
    the pack's facts like any other, so a true one is neither re-asked nor marked, and a wrong
    one is."""
    rec = top_recommendation(online_chat.settings)
    (res,) = query(online_chat.settings, "SELECT vcpu FROM resources WHERE id = %s", rec["resource_id"])
    vcpu = int(res["vcpu"])
    wrong = next(n for n in _CORES_RU if n != vcpu)
    true_answer = f"Сейчас у сервера {_CORES_RU[vcpu]}, переезд сохранит их."
    wrong_answer = f"Сейчас у сервера {_CORES_RU[wrong]}, переезд сохранит их."
    llm_server.script(Reply(text=true_answer), Reply(text=wrong_answer), Reply(text=wrong_answer))
    started = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with online_chat.ws(started["session_id"]) as ws:
        first = of_type(await ws.ask("Сколько у него ядер?"), "message")[-1]
        second = of_type(await ws.ask("А точно?"), "message")[-1]
    assert (first["revised"], first["content"], first["grounding"]["ok"]) == (False, true_answer, True)
    assert [n["source"] for n in first["grounding"]["numbers"]] == ["resource.spec.vcpu"]
    assert len(llm_server.requests) == 3  # the true answer: no re-ask; the wrong one: one
    assert second["revised"] is True and second["grounding"]["ok"] is False
