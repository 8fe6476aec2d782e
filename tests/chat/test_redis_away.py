"""Redis stops and comes back (its own server, append-only file on): requests answer a quick,
retryable 503 while it is away; after the restart the service answers again at once, and a
turn lock the file brought back does not keep the session busy (its turn ends as
`turn_interrupted`)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator

import pytest
import redis

from infrazen_agent.config import Settings
from infrazen_agent.embedded import EmbeddedRedis

from .clients import Chat, running_chat


@pytest.fixture
def chat(settings: Settings, own_redis: EmbeddedRedis) -> Iterator[Chat]:
    with running_chat(settings.model_copy(update={"redis_url": own_redis.url})) as c:
        yield c


async def _ask(chat: Chat, sid: str, stale_turn: str | None = None) -> dict[str, object]:
    """The answer's terminal event (after `turn_interrupted` for a stale lock's turn, if named)."""
    async with chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Какие тренды?"})
        while True:
            event = await ws.recv(timeout=20)
            if stale_turn is not None and event["type"] == "error" and event.get("turn_id") == stale_turn:
                assert event["code"] == "turn_interrupted", event
                stale_turn = None
            elif event["type"] in ("message", "error"):
                assert stale_turn is None, "the stale lock's turn was not reported as interrupted"
                return event


async def test_redis_stops_and_comes_back(chat: Chat, own_redis: EmbeddedRedis) -> None:
    sid = (await chat.start({"scope": "analytics"}))["session_id"]
    assert (await _ask(chat, sid))["type"] == "message"
    me = next(redis.Redis.from_url(own_redis.url).scan_iter("chat:instance:*")).decode().rsplit(":", 1)[-1]
    # A turn's lock, as Redis holds it when it dies mid-turn; the release will be lost.
    redis.Redis.from_url(own_redis.url).set(f"chat:s:{sid}:lock", f"t_lost@{me}", px=90_000)
    await asyncio.sleep(1.2)  # appendfsync everysec: the lock is in the file
    assert own_redis.proc is not None
    own_redis.proc.send_signal(signal.SIGKILL)
    own_redis.proc.wait(5)
    async with chat.http() as c:
        t0 = time.monotonic()
        r = await c.post("/v1/chat/start", json={"scope": "analytics"}, headers=chat.headers())
        took = time.monotonic() - t0
        assert r.status_code == 503 and r.json()["error"]["retryable"] is True, (r.status_code, r.text)
        assert took < 2.5, took
        assert (await c.get("/_/ready")).status_code == 503
        own_redis.start()  # same socket, same append-only file
        assert redis.Redis.from_url(own_redis.url).get(f"chat:s:{sid}:lock") is not None  # it came back
        t0 = time.monotonic()
        while (await c.get("/_/ready")).status_code != 200:
            assert time.monotonic() - t0 < 5
            await asyncio.sleep(0.1)
    event = await _ask(chat, sid, stale_turn="t_lost")
    assert event["type"] == "message", event  # not session_busy for 90 s


async def test_redis_frozen_answers_503_in_seconds_and_recovers(chat: Chat, own_redis: EmbeddedRedis) -> None:
    """SIGSTOP: the socket stays open but nothing answers (a hung host, a stalled VM). Requests
    must not hang: each ends in a retryable 503 within the socket timeout; after SIGCONT the
    service answers again without a restart."""
    sid = (await chat.start({"scope": "analytics"}))["session_id"]
    assert (await _ask(chat, sid))["type"] == "message"
    assert own_redis.proc is not None
    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        async with chat.http() as c:
            t0 = time.monotonic()
            results = await asyncio.gather(
                *(c.post("/v1/chat/start", json={"scope": "analytics"}, headers=chat.headers()) for _ in range(5)),
                c.get("/_/ready"),
            )
            took = time.monotonic() - t0
            for r in results[:5]:
                assert r.status_code == 503 and r.json()["error"]["retryable"] is True, (r.status_code, r.text)
                assert "Traceback" not in r.text and "/" not in r.json()["error"]["message"]
            assert results[5].status_code == 503
            assert took < 6, took  # socket timeout 2 × READY_CHECK_TIMEOUT_S, not the client's 30 s
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    async with chat.http() as c:
        t0 = time.monotonic()
        while (await c.get("/_/ready")).status_code != 200:
            assert time.monotonic() - t0 < 5
            await asyncio.sleep(0.1)
    assert (await _ask(chat, sid))["type"] == "message"
