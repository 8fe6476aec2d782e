"""A session lock whose turn cannot be running any more is taken over at once (a lock restored
from Redis's append-only file after a restart, whose release was lost meanwhile); a lock of a
live turn elsewhere keeps it: a message waits its turn, and is answered as soon as that
replica is found dead. The dead turn itself ends with a `turn_interrupted` error (its answer was
never stored: tests/infra/test_nginx_replicas.py kills a real replica mid-turn)."""

from __future__ import annotations

import asyncio
import time

import redis

from .clients import Chat


def _instance(chat: Chat) -> str:
    keys = list(redis.Redis.from_url(chat.settings.redis_url).scan_iter("chat:instance:*"))
    assert len(keys) == 1, keys
    return keys[0].decode().rsplit(":", 1)[-1]


async def _ask(chat: Chat, session_id: str, stale_turn: str) -> dict[str, object]:
    """The answer's terminal event, after the stale turn's `turn_interrupted`."""
    interrupted = False
    async with chat.ws(session_id) as ws:
        await ws.send({"type": "message", "content": "Какие тренды?"})
        while True:
            event = await ws.recv()
            if event["type"] == "error" and event["turn_id"] == stale_turn:
                assert event["code"] == "turn_interrupted" and event["retryable"], event
                interrupted = True
            elif event["type"] in ("message", "error"):
                assert interrupted, "the stale turn was not reported before the next one ended"
                return event


async def test_locks_that_no_turn_holds_are_taken_over(offline_chat: Chat) -> None:
    r = redis.Redis.from_url(offline_chat.settings.redis_url)
    sid = (await offline_chat.start({"scope": "analytics"}))["session_id"]
    me = _instance(offline_chat)
    cases = {
        "this process, no such turn running": f"t_restored@{me}",
        "a process with no heartbeat": "t_orphan@deadbeef0000",
    }
    for case, value in cases.items():
        r.set(f"chat:s:{sid}:lock", value, px=90_000)  # as the append-only file brings it back
        event = await _ask(offline_chat, sid, value.split("@")[0])
        assert event["type"] == "message", (case, event)
        assert r.get(f"chat:s:{sid}:lock") is None  # released at the end of the new turn


async def test_a_live_turn_elsewhere_holds_its_session_until_that_replica_dies(offline_chat: Chat) -> None:
    r = redis.Redis.from_url(offline_chat.settings.redis_url)
    sid = (await offline_chat.start({"scope": "analytics"}))["session_id"]
    r.set("chat:instance:otherreplica1", "1", px=15_000)  # another replica, beating
    r.set(f"chat:s:{sid}:lock", "t_live@otherreplica1", px=90_000)
    async with offline_chat.ws(sid) as ws:
        await ws.send({"type": "message", "content": "Какие тренды?"})
        queued = await ws.recv()
        assert queued["type"] == "turn_queued" and queued["position"] == 1, queued
        await asyncio.sleep(1.5)  # the holder is alive: the message keeps waiting
        assert r.get(f"chat:s:{sid}:lock") == b"t_live@otherreplica1"
        r.delete("chat:instance:otherreplica1")  # that replica dies: its heartbeat stops
        t_dead = time.monotonic()
        interrupted = await ws.turn()
        events = await ws.turn()
    assert [(e["type"], e["turn_id"], e.get("code")) for e in interrupted] == [("error", "t_live", "turn_interrupted")]
    assert events[0]["type"] == "turn_started" and events[0]["turn_id"] == queued["turn_id"]
    assert events[-1]["type"] == "message" and time.monotonic() - t_dead < 3
