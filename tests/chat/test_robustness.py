"""Turns always end with a stored outcome and a final event: double cancels, cancels before the
turn starts, a failed lock release, stale cached expiry, a turn lost with its process, and expired
legacy sessions (found in review; each of these once left a client waiting forever)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infrazen_agent.agent.events import ClientMessage
from infrazen_agent.auth import Principal
from infrazen_agent.chat.service import ChatService
from infrazen_agent.chat.sessions import ChatSession
from infrazen_agent.runtime import Runtime
from tests.chat.clients import Chat, query

OWNER = Principal(user_id="1001", tenant_id="1001")


async def _service(runtime: Runtime) -> tuple[ChatService, ChatSession]:
    service = ChatService(runtime)
    await service.start()
    session, _ = await service.start_session(OWNER, scope="analytics", time_range={"days": 30})
    return service, session


def _rows(runtime: Runtime, session: ChatSession) -> list[dict[str, Any]]:
    return query(
        runtime.settings, "SELECT role, status FROM chat_messages WHERE session_id = %s ORDER BY seq", session.id
    )


async def _events(sub: Any) -> list[str]:
    await asyncio.sleep(0.2)
    events = []
    while not sub.queue.empty():
        events.append(sub.queue.get_nowait().type)
    return events


async def test_a_second_cancel_while_finishing_still_stores_and_tells(runtime: Runtime) -> None:
    service, session = await _service(runtime)

    async def forever(*_: Any, **__: Any) -> str:
        await asyncio.sleep(3600)
        return "online"

    store = service.transcripts.add_assistant_message

    async def slow_store(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)
        return await store(*args, **kwargs)

    service._answer = forever  # type: ignore[method-assign]
    service.transcripts.add_assistant_message = slow_store  # type: ignore[method-assign]
    sub = service.hub.subscribe(session.id)
    await service.submit(OWNER, session, ClientMessage(content="hi", client_message_id="c1"))
    await asyncio.sleep(0.2)
    await service.cancel(session)
    await asyncio.sleep(0.1)
    await service.cancel(session)  # the user clicks cancel twice, during the storing
    await service.wait_idle()
    assert await _events(sub) == ["turn_started", "message"]
    assert _rows(runtime, session) == [
        {"role": "user", "status": "complete"},
        {"role": "assistant", "status": "cancelled"},
    ]
    assert await service.hot.running_turn(session.id) is None
    resent = await service.submit(OWNER, session, ClientMessage(content="hi", client_message_id="c1"))
    assert [e.type for e in resent.replay] == ["message"]
    await service.aclose()


async def test_a_cancel_before_the_turn_starts_is_stored_as_cancelled(runtime: Runtime) -> None:
    service, session = await _service(runtime)
    sub = service.hub.subscribe(session.id)
    await service.submit(OWNER, session, ClientMessage(content="hi"))
    await service.cancel(session)  # same tick as the submit: the task has not run yet
    await service.wait_idle()
    assert (await _events(sub))[-1] == "message"
    assert _rows(runtime, session)[-1] == {"role": "assistant", "status": "cancelled"}
    assert await service.hot.running_turn(session.id) is None
    await service.aclose()


async def test_a_failed_lock_release_does_not_swallow_the_answer(runtime: Runtime) -> None:
    service, session = await _service(runtime)
    calls: list[str] = []

    async def broken_finish(*_: Any, **__: Any) -> None:
        calls.append("finish_turn")
        raise ConnectionError("redis blip")

    sub = service.hub.subscribe(session.id)
    await service.submit(OWNER, session, ClientMessage(content="hi"))
    service.hot.finish_turn = broken_finish  # type: ignore[method-assign]
    await service.wait_idle()
    assert calls == ["finish_turn"]  # the turn's end did reach Redis (and failed)
    assert (await _events(sub))[-1] == "message"  # the stored answer is still announced as such
    assert _rows(runtime, session)[-1] == {"role": "assistant", "status": "complete"}
    await service.aclose()


async def test_a_failed_store_is_reported_and_unlocks_with_no_stale_history(runtime: Runtime) -> None:
    service, session = await _service(runtime)
    await service.hot.put_recent(session.id, [{"role": "user", "content": "older"}])

    async def broken_store(*_: Any, **__: Any) -> None:
        raise ConnectionError("postgres blip")

    service.transcripts.add_assistant_message = broken_store  # type: ignore[method-assign]
    sub = service.hub.subscribe(session.id)
    await service.submit(OWNER, session, ClientMessage(content="hi"))
    await service.wait_idle()
    assert (await _events(sub))[-1] == "error"
    assert await service.hot.running_turn(session.id) is None  # unlocked: the next message may run
    assert (await service.hot.turn_inputs(session.id))[1] is None  # history is rebuilt from Postgres
    await service.aclose()


async def test_sliding_expiry_reaches_the_cached_session(runtime: Runtime) -> None:
    service, session = await _service(runtime)
    await service.hot.put_session(replace(session, expires_at=datetime.now(UTC) + timedelta(seconds=1)))
    loaded = await service.load_session(OWNER, session.id)
    await service.submit(OWNER, loaded, ClientMessage(content="hi"))
    await service.wait_idle()
    await asyncio.sleep(1.2)
    again = await service.load_session(OWNER, session.id)
    assert not again.expired  # the turn extended the cached copy, not only Postgres
    await service.aclose()


async def test_resending_a_lost_turn_gets_an_error_not_silence(offline_chat: Chat) -> None:
    started = await offline_chat.start({"scope": "analytics"})
    query(
        offline_chat.settings,
        "INSERT INTO chat_messages (id, session_id, tenant_id, turn_id, role, content, client_message_id)"
        " VALUES ('msg_lost', %s, '1001', 'turn_lost1', 'user', 'hi', 'dup') RETURNING id",
        started["session_id"],
    )
    headers = {**offline_chat.headers(), "Accept": "text/event-stream"}
    lines = []
    async with (
        httpx.AsyncClient(base_url=offline_chat.server.url, timeout=20) as client,
        asyncio.timeout(15),
        client.stream(
            "POST",
            f"/v1/chat/sessions/{started['session_id']}/messages",
            json={"content": "hi", "client_message_id": "dup"},
            headers=headers,
        ) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                lines.append(json.loads(line[5:]))
    assert [(e["type"], e.get("code")) for e in lines] == [("error", "turn_lost")]


async def test_a_websocket_ends_when_its_token_expires(offline_chat: Chat) -> None:
    import websockets

    from infrazen_agent.auth import mint_token

    started = await offline_chat.start({"scope": "analytics"})
    short = mint_token(offline_chat.settings, user="1001", tenant="1001", ttl_s=2)
    url = f"{offline_chat.server.ws_url}/v1/chat/ws?session={started['session_id']}&token={short}"
    async with websockets.connect(url) as conn:
        assert json.loads(await conn.recv())["type"] == "ready"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await conn.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "expired" in closed.value.rcvd.reason
