"""Messages sent while a turn runs wait their turn instead of being refused: several tabs on one
session, typing ahead, another replica. Each is answered, in order, every tab sees every answer;
cancel stops the running turn (or takes a named waiting message off the queue)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from infrazen_agent.config import Settings
from tests.support.llm_server import Reply, ScriptedLLMServer

from .clients import Chat, WsClient, of_type, query, running_chat, top_recommendation

# Digit-free answers: the grounding checker has nothing to question, so no re-ask takes a reply.
WORDS = ["альфа", "бета", "гамма", "дельта", "эпсилон", "дзета", "эта", "тэта", "йота", "каппа"]


async def _terminals(ws: WsClient, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    """Every event until `count` turns have ended."""
    events: list[dict[str, Any]] = []
    while len([e for e in events if e["type"] in ("message", "error") and e.get("turn_id")]) < count:
        events.append(await ws.recv(timeout))
    return events


async def test_ten_tabs_each_asking_are_all_answered_in_order_and_every_tab_sees_every_answer(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    rec = top_recommendation(online_chat.settings)
    llm_server.script(*[Reply(text=f"Ответ {w}.", delay_first_token_s=0.15) for w in WORDS])
    sid = (await online_chat.start({"scope": "recommendation", "recommendation_id": str(rec["id"])}))["session_id"]
    tabs = [online_chat.ws(sid) for _ in WORDS]
    clients = [await tab.__aenter__() for tab in tabs]
    try:
        await asyncio.gather(
            *(ws.send({"type": "message", "content": f"Вопрос {w}?"}) for ws, w in zip(clients, WORDS, strict=True))
        )
        seen = await asyncio.gather(*(_terminals(ws, len(WORDS)) for ws in clients))
    finally:
        for tab in tabs:
            await tab.__aexit__(None, None, None)
    answers = [[(e["turn_id"], e["content"]) for e in of_type(events, "message")] for events in seen]
    assert all(a == answers[0] for a in answers), "every tab receives every answer, in the same order"
    assert [content for _, content in answers[0]] == [f"Ответ {w}." for w in WORDS]
    assert not any(of_type(events, "error") for events in seen)
    # queued in one order, started in the same order, each answered right after it started
    events = seen[0]
    by_position = sorted(of_type(events, "turn_queued"), key=lambda e: e["position"])
    started = [e["turn_id"] for e in of_type(events, "turn_started")]
    assert [e["position"] for e in by_position] == list(range(1, len(WORDS)))
    assert started[1:] == [e["turn_id"] for e in by_position]
    assert [t for t, _ in answers[0]] == started
    rows = query(
        online_chat.settings,
        "SELECT role, turn_id, status FROM chat_messages WHERE session_id = %s ORDER BY seq",
        sid,
    )
    assert [r["role"] for r in rows] == ["user", "assistant"] * len(WORDS)
    assert [r["turn_id"] for r in rows[::2]] == started and [r["turn_id"] for r in rows[1::2]] == started
    assert {r["status"] for r in rows} == {"complete"}
    # the model saw each question after the previous answer
    last = llm_server.requests[-1]["messages"]
    said = [m["content"] for m in last if m["role"] == "assistant" and isinstance(m.get("content"), str)]
    assert said[-3:] == [f"Ответ {w}." for w in WORDS[-4:-1]]


async def test_cancel_stops_the_running_turn_and_the_waiting_one_is_answered(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    llm_server.script(Reply(text="медленно " * 40, delay_between_chunks_s=0.05), Reply(text="Ответ на второй вопрос."))
    sid = (await online_chat.start({"scope": "analytics"}))["session_id"]
    async with online_chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Первый"})
        while (await ws.recv())["type"] != "delta":
            pass
        await ws.send({"type": "message", "content": "Второй"})
        queued = await ws.recv()
        assert queued["type"] == "turn_queued"
        await ws.send({"type": "cancel"})  # no turn named: the running one
        events = await _terminals(ws, 2)
    first, second = of_type(events, "message")
    assert first["status"] == "cancelled" and first["turn_id"] != queued["turn_id"]
    assert second["turn_id"] == queued["turn_id"] and second["content"] == "Ответ на второй вопрос."


async def test_a_waiting_message_can_be_cancelled_and_a_resend_is_not_queued_twice(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    llm_server.script(Reply(text="медленно " * 20, delay_between_chunks_s=0.05), Reply(text="Третий ответ."))
    sid = (await online_chat.start({"scope": "analytics"}))["session_id"]
    async with online_chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Первый"})
        await ws.send({"type": "message", "content": "Второй", "client_message_id": "m-2"})
        await ws.send({"type": "message", "content": "Второй", "client_message_id": "m-2"})  # a resend
        await ws.send({"type": "message", "content": "Третий"})
        waiting: list[dict[str, Any]] = []
        while len(waiting) < 2:
            if (event := await ws.recv())["type"] == "turn_queued":
                waiting.append(event)
        assert [e["content"] for e in waiting] == ["Второй", "Третий"] and waiting[1]["position"] == 2
        await ws.send({"type": "cancel", "turn_id": waiting[0]["turn_id"]})
        events = await _terminals(ws, 3)
    messages = of_type(events, "message")
    assert messages[0]["turn_id"] == waiting[0]["turn_id"] and messages[0]["status"] == "cancelled"
    assert messages[-1]["turn_id"] == waiting[1]["turn_id"] and messages[-1]["content"] == "Третий ответ."
    rows = query(online_chat.settings, "SELECT content FROM chat_messages WHERE role = 'user' ORDER BY seq")
    assert [r["content"] for r in rows] == ["Первый", "Третий"]  # the cancelled one was never stored


async def test_a_message_sent_to_another_replica_waits_and_both_replicas_see_every_answer(
    llm_settings: Any, llm_server: ScriptedLLMServer
) -> None:
    settings: Settings = llm_settings()
    llm_server.script(Reply(text="Первый ответ.", delay_first_token_s=0.6), Reply(text="Второй ответ."))
    with running_chat(settings) as a, running_chat(settings) as b:
        sid = (await a.start({"scope": "analytics"}))["session_id"]
        async with a.ws(sid) as on_a, b.ws(sid) as on_b:
            await on_a.send({"type": "message", "content": "Первый"})
            while (await on_b.recv())["type"] != "turn_started":
                pass
            await on_b.send({"type": "message", "content": "Второй"})
            seen_a, seen_b = await asyncio.gather(_terminals(on_a, 2), _terminals(on_b, 2))
            ready = await b.transcript(sid)
    for seen in (seen_a, seen_b):
        assert [e["content"] for e in of_type(seen, "message")] == ["Первый ответ.", "Второй ответ."]
    assert ready.json()["queued"] == [] and ready.json()["turn_in_progress"] is None


async def test_a_reconnecting_tab_is_told_what_waits(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(Reply(text="Долгий ответ.", delay_first_token_s=1.0), Reply(text="Ответ."))
    sid = (await online_chat.start({"scope": "analytics"}))["session_id"]
    async with online_chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Первый"})
        await ws.send({"type": "message", "content": "Второй", "client_message_id": "m-2"})
        while (event := await ws.recv())["type"] != "turn_queued":
            pass
        async with online_chat.ws(sid) as again:
            ready = again.ready  # type: ignore[attr-defined]
        assert ready["turn_in_progress"] and ready["turn_in_progress"] != event["turn_id"]
        assert ready["queued"] == [
            {"turn_id": event["turn_id"], "content": "Второй", "client_message_id": "m-2", "attachments": []}
        ]
        await _terminals(ws, 2)


async def test_another_tenant_cannot_see_or_cancel_what_waits_in_a_session(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    llm_server.script(Reply(text="Долгий ответ.", delay_first_token_s=0.8), Reply(text="Ответ на второй."))
    sid = (await online_chat.start({"scope": "analytics"}))["session_id"]
    other = (await online_chat.start({"scope": "analytics"}, user="2002", tenant="2002"))["session_id"]
    async with online_chat.ws(sid) as ws, online_chat.ws(other, user="2002", tenant="2002") as intruder:
        await ws.send({"type": "message", "content": "Первый"})
        await ws.send({"type": "message", "content": "Второй"})
        while (queued := await ws.recv())["type"] != "turn_queued":
            pass
        # the other tenant names the waiting turn from its own session: nothing happens to it
        await intruder.send({"type": "cancel", "turn_id": queued["turn_id"]})
        async with online_chat.http() as c:
            seen = await c.get(f"/v1/chat/sessions/{sid}", headers=online_chat.headers("2002", "2002"))
        assert seen.status_code == 404 and "Второй" not in seen.text
        events = await _terminals(ws, 2)
    answers = [e for e in of_type(events, "message")]
    assert [a["status"] for a in answers] == ["complete", "complete"]
    assert answers[-1]["turn_id"] == queued["turn_id"] and answers[-1]["content"] == "Ответ на второй."


async def test_past_the_active_turn_limit_turns_wait_for_a_slot_and_all_are_answered(
    llm_settings: Callable[..., Settings], llm_server: ScriptedLLMServer
) -> None:
    # Overload: more turns than the process answers at once. The rest are stored and announced at
    # once, wait for a slot, and are answered; no more model calls run than there are slots.
    llm_server.default_reply = Reply(text="Ответ без цифр.", delay_first_token_s=1.2)
    with running_chat(llm_settings(chat_max_active_turns=2)) as chat:
        rec = top_recommendation(chat.settings)
        body = {"scope": "recommendation", "recommendation_id": str(rec["id"])}
        sids = [(await chat.start(body))["session_id"] for _ in range(5)]
        tabs = [chat.ws(sid) for sid in sids]
        clients = [await tab.__aenter__() for tab in tabs]
        try:
            sent = len(llm_server.requests)
            await asyncio.gather(*(ws.send({"type": "message", "content": "Что дальше?"}) for ws in clients))
            turns = [asyncio.create_task(ws.turn(20)) for ws in clients]
            async with asyncio.timeout(5):
                while len(llm_server.requests) - sent < 2:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # the first two wait for their model's first token: no third call
            in_flight = len(llm_server.requests) - sent
            ends = await asyncio.gather(*turns)
        finally:
            for tab in tabs:
                await tab.__aexit__(None, None, None)
        rows = query(chat.settings, "SELECT count(*) AS n FROM chat_messages WHERE role = 'user'")
    assert in_flight == 2
    assert all(e[0]["type"] == "turn_started" for e in ends)  # announced at once, slot or not
    assert [of_type(e, "message")[0]["content"] for e in ends] == ["Ответ без цифр."] * 5
    assert len(llm_server.requests) - sent == 5 and rows[0]["n"] == 5
