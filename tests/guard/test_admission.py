"""Admission before storing: control characters and floods are refused before a message is
stored, on every way in (WebSocket, SSE, the InfraZen route, the tool API)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
import websockets

from infrazen_agent.config import Settings
from tests.chat.clients import Chat, query, running_chat
from tests.chat.seeded import database_url
from tests.chat.test_legacy_client import infrazen_token

__all__ = ["database_url"]


@pytest.fixture
def limited(settings: Settings) -> Iterator[Chat]:
    with running_chat(settings.model_copy(update={"user_messages_per_minute": 20})) as chat:
        yield chat


def _stored(chat: Chat) -> dict[str, int]:
    rows = query(chat.settings, "SELECT role, count(*) AS n FROM chat_messages GROUP BY role")
    return {r["role"]: int(r["n"]) for r in rows}


async def test_a_flood_on_one_socket_is_refused_before_it_is_stored(limited: Chat) -> None:
    started = await limited.start({"scope": "analytics"})
    frames = 10_000
    codes: dict[str, int] = {}
    closed_with = None
    t0 = time.monotonic()
    async with limited.ws(started["session_id"]) as ws:
        payload = [json.dumps({"type": "message", "content": f"Вопрос {i}"}) for i in range(frames)]
        try:
            for p in payload:
                await ws.conn.send(p)
            while True:
                event = await ws.recv(timeout=5)
                if event["type"] == "error":
                    codes[event["code"]] = codes.get(event["code"], 0) + 1
        except websockets.ConnectionClosed as exc:
            closed_with = exc.rcvd.code if exc.rcvd else None
        except TimeoutError:
            pass
    elapsed = time.monotonic() - t0
    await asyncio.sleep(0.5)
    stored = _stored(limited)
    # At most the per-minute budget reaches the store; the socket is closed for flooding.
    assert stored.get("user", 0) <= 20, stored
    assert closed_with == 1013, (closed_with, codes)
    assert sum(codes.values()) <= 50, codes  # the flooder is not answered frame by frame
    print(json.dumps({"frames": frames, "stored_user": stored.get("user", 0), "errors": codes, "s": round(elapsed, 2)}))


async def test_the_per_user_budget_spans_connections_and_transports(limited: Chat) -> None:
    sessions = [(await limited.start({"scope": "analytics"}))["session_id"] for _ in range(3)]
    outcomes: list[str] = []
    async with limited.http() as c:
        for i in range(30):
            sid = sessions[i % 3]
            if i % 2:
                r = await c.post(
                    f"/v1/chat/sessions/{sid}/messages", json={"content": f"Тренд {i}?"}, headers=limited.headers()
                )
                outcomes.append("message" if r.status_code == 200 else r.json()["error"]["code"])
                if r.status_code == 429:
                    assert r.headers["retry-after"].isdigit() and r.json()["error"]["retryable"] is True
            else:
                async with limited.ws(sid) as ws:
                    await ws.send({"type": "message", "content": f"Сервисы {i}?"})
                    while (event := await ws.recv())["type"] not in ("message", "error"):
                        pass
                    outcomes.append(event["type"] if event["type"] == "message" else event["code"])
    assert _stored(limited).get("user", 0) == outcomes.count("message") == 20, outcomes
    assert set(outcomes) == {"message", "rate_limited"}


@pytest.mark.parametrize("content", ["привет\x00мир", "\x1b[2J очистить экран", "счёт\x08"])
async def test_control_characters_in_a_message_are_refused_on_every_route(plain_chat: Chat, content: str) -> None:
    chat = plain_chat
    started = await chat.start({"scope": "analytics"})
    async with chat.ws(started["session_id"]) as ws:
        await ws.send({"type": "message", "content": content})
        event = await ws.recv()
    assert event["type"] == "error" and event["code"] == "invalid_input" and "control" in event["message"]
    async with chat.http() as c:
        r = await c.post(
            f"/v1/chat/sessions/{started['session_id']}/messages", json={"content": content}, headers=chat.headers()
        )
        bad_start = await c.post(
            "/v1/chat/start", json={"scope": "analytics", "page_context": {"note": content}}, headers=chat.headers()
        )
    assert r.status_code == 422 and bad_start.status_code == 422 and "Traceback" not in r.text
    token = infrazen_token(1001, scenario="analytics")
    async with websockets.connect(f"{chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": content}))
        frames = [json.loads(await conn.recv()) for _ in range(2)]
    assert frames[-1].get("error") and "управляющие символы" in frames[-1]["content"]
    assert _stored(chat).get("user", 0) == 0


@pytest.fixture
def plain_chat(settings: Settings) -> Iterator[Chat]:
    with running_chat(settings) as chat:
        yield chat
