"""The same turn over every transport and connection: two WebSocket clients on one session, a
second chat process sharing Redis and Postgres, SSE vs WebSocket, reconnects, SSE cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from infrazen_agent.config import Settings
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

from .clients import Chat, canonical, of_type, running_chat, text_of, top_recommendation

_IDS = ("turn_id", "message_id", "client_message_id")


def normalized(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events without the ids that differ between two runs of the same turn."""
    return [{k: v for k, v in e.items() if k not in _IDS} for e in canonical(events)]


async def test_two_websocket_clients_receive_the_same_events(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(Reply(text="Общий ответ для обоих окон.", chunk_size=3))
    started = await online_chat.start({"scope": "analytics"})
    async with online_chat.ws(started["session_id"]) as a, online_chat.ws(started["session_id"]) as b:
        events_a = await a.ask("Вопрос из окна A", client_message_id="from-a")
        events_b = await b.turn()
    assert canonical(events_a) == canonical(events_b)
    assert events_b[0]["type"] == "turn_started" and events_b[0]["content"] == "Вопрос из окна A"


async def test_a_second_chat_process_continues_the_session(
    llm_settings: Callable[..., Settings], llm_server: ScriptedLLMServer
) -> None:
    settings = llm_settings()
    llm_server.script(Reply(text="Первый ответ, процесс один."), Reply(text="Второй ответ, процесс два."))
    with running_chat(settings) as one, running_chat(settings) as two:
        started = await one.start({"scope": "analytics"})
        sid = started["session_id"]
        async with one.ws(sid) as on_one, two.ws(sid) as on_two:
            events = await on_one.ask("Вопрос один", client_message_id="q1")
            seen_by_two = await on_two.turn()  # fanned out through Redis
            assert canonical(seen_by_two) == canonical(events)
            # Process two runs the next turn with the history process one wrote.
            second = await on_two.ask("Вопрос два", client_message_id="q2")
            assert second[-1]["content"] == "Второй ответ, процесс два."
            assert canonical(await on_one.turn()) == canonical(second)
        history = [(m["role"], m["content"]) for m in llm_server.requests[1]["messages"][2:]]
        assert history == [
            ("user", "Вопрос один"),
            ("assistant", "Первый ответ, процесс один."),
            ("user", "Вопрос два"),
        ]
        # A resend to the other process is still the same turn.
        async with two.ws(sid) as again:
            replay = await again.ask("Вопрос один", client_message_id="q1")
            assert replay[-1]["replayed"] and replay[-1]["message_id"] == events[-1]["message_id"]
            assert [m["content"] for m in again.ready["history"]] == [  # type: ignore[attr-defined]
                "Вопрос один",
                "Первый ответ, процесс один.",
                "Вопрос два",
                "Второй ответ, процесс два.",
            ]
        assert len(llm_server.requests) == 2


async def test_sse_and_websocket_give_the_same_events(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)

    def script() -> None:
        llm_server.script(
            Reply(
                tool_calls=[
                    ScriptedToolCall("get_latest_snapshot", json.dumps({"resource_id": rec["resource_id"]}), id="c1")
                ]
            ),
            Reply(text="Загрузка CPU умеренная.", chunk_size=4),
        )

    body = {"content": "Какая загрузка?", "client_message_id": "same"}
    script()
    ws_session = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    async with online_chat.ws(ws_session["session_id"]) as ws:
        over_ws = await ws.ask(**body)
    script()
    sse_session = await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    over_sse = await online_chat.sse(sse_session["session_id"], body)
    assert normalized(over_sse) == normalized(over_ws)
    assert [e["type"] for e in over_sse][:3] == ["turn_started", "tool_call", "tool_result"]
    # The resend over SSE replays the stored answer; JSON (no event stream) answers the final message.
    replay = await online_chat.sse(sse_session["session_id"], body)
    assert [e["type"] for e in replay] == ["message"] and replay[0]["replayed"] is True
    async with online_chat.http() as c:
        r = await c.post(
            f"/v1/chat/sessions/{sse_session['session_id']}/messages",
            json={"content": "Ещё раз?"},
            headers=online_chat.headers(),
        )
    assert r.status_code == 200 and r.json()["type"] == "message" and r.json()["content"] == "ok"


async def test_reconnect_gets_a_turn_that_finished_while_away(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(Reply(text="Ответ, пока вас не было.", chunk_size=2, delay_between_chunks_s=0.02))
    started = await online_chat.start({"scope": "analytics"})
    sid = started["session_id"]
    async with online_chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Спрошу и уйду", "client_message_id": "away"})
        assert (await ws.recv())["type"] == "turn_started"
    async with online_chat.ws(sid) as back:
        ready = back.ready  # type: ignore[attr-defined]
        if ready["turn_in_progress"]:  # still running: its remaining events arrive here
            assert (await back.turn())[-1]["content"] == "Ответ, пока вас не было."
    for _ in range(100):
        transcript = (await online_chat.transcript(sid)).json()
        if transcript["turn_in_progress"] is None and len(transcript["messages"]) == 2:
            break
        await asyncio.sleep(0.05)
    async with online_chat.ws(sid) as later:
        history = later.ready["history"]  # type: ignore[attr-defined]
    assert [(m["role"], m["content"], m["status"]) for m in history] == [
        ("user", "Спрошу и уйду", "complete"),
        ("assistant", "Ответ, пока вас не было.", "complete"),
    ]


async def test_sse_clients_cancel_over_http(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(Reply(text="очень длинный ответ " * 30, chunk_size=4, delay_between_chunks_s=0.02))
    started = await online_chat.start({"scope": "analytics"})
    sid = started["session_id"]
    headers = {**online_chat.headers(), "Accept": "text/event-stream"}
    events: list[dict[str, Any]] = []
    async with (
        online_chat.http() as c,
        c.stream("POST", f"/v1/chat/sessions/{sid}/messages", json={"content": "Длинно"}, headers=headers) as r,
    ):
        async for line in r.aiter_lines():
            if not line.startswith("data: "):
                continue
            events.append(json.loads(line[6:]))
            if len(of_type(events, "delta")) == 2:  # streaming: now cancel from another request
                cancelled = await c.post(f"/v1/chat/sessions/{sid}/cancel", headers=online_chat.headers())
                assert cancelled.status_code == 202
    final = events[-1]
    assert final["type"] == "message" and final["status"] == "cancelled"
    assert final["content"] == text_of(events) and len(final["content"]) < len("очень длинный ответ " * 30)


def test_queued_deltas_of_a_turn_go_out_as_one() -> None:
    from infrazen_agent.agent.events import Delta, Envelope, Pong
    from infrazen_agent.api.chat import merge_deltas

    envs = [Envelope.of(Delta(turn_id="t1", text=t)) for t in ("a", "b", "c")]
    envs += [
        Envelope.of(Pong()),
        Envelope.of(Delta(turn_id="t1", text="d")),
        Envelope.of(Delta(turn_id="t2", text="e")),
    ]
    merged = [json.loads(e.json) for e in merge_deltas(envs)]
    assert merged == [
        {"type": "delta", "turn_id": "t1", "text": "abc"},
        {"type": "pong", "turn_id": None},
        {"type": "delta", "turn_id": "t1", "text": "d"},
        {"type": "delta", "turn_id": "t2", "text": "e"},
    ]
