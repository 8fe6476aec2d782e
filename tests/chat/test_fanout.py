"""Fan-out through real Redis pub/sub between two hubs (two replicas of the chat function)."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis

from infrazen_agent.agent.events import Delta, Envelope, Message, Usage
from infrazen_agent.chat.fanout import Hub


async def _hubs(redis_url: str) -> tuple[Hub, Hub, list[tuple[str, dict[str, Any]]], list[aioredis.Redis]]:
    controls: list[tuple[str, dict[str, Any]]] = []

    async def on_control(session_id: str, command: dict[str, Any]) -> None:
        controls.append((session_id, command))

    clients = [aioredis.from_url(redis_url), aioredis.from_url(redis_url)]
    one, two = Hub(clients[0]), Hub(clients[1], on_control=on_control)
    await one.start()
    await two.start()
    return one, two, controls, clients


async def test_events_reach_subscribers_on_both_replicas_once_and_in_order(redis_url: str) -> None:
    one, two, _, clients = await _hubs(redis_url)
    try:
        local, remote = one.subscribe("s1"), two.subscribe("s1")
        other_session = two.subscribe("s2")
        events = [Delta(turn_id="t1", text=f"part {i}") for i in range(50)]
        final = Message(
            turn_id="t1", message_id="m1", content="done", usage=Usage(), model="x", mode="online", grounding={}
        )
        for ev in [*events, final]:
            one.publish("s1", Envelope.of(ev))
        assert local.queue.qsize() == 51  # local delivery does not wait for Redis
        got = [await asyncio.wait_for(remote.get(), 5) for _ in range(51)]
        assert [g.json for g in got] == [Envelope.of(e).json for e in [*events, final]]
        assert got[-1].terminal and not got[0].terminal and got[0].turn_id == "t1"
        await asyncio.sleep(0.1)
        assert local.queue.qsize() == 51  # its own events do not come back through Redis
        assert other_session.queue.empty()
        local.close()
        assert one.local_subscribers("s1") == 0
    finally:
        await one.aclose()
        await two.aclose()
        for c in clients:
            await c.aclose()


async def test_control_messages_reach_the_other_replica(redis_url: str) -> None:
    one, two, controls, clients = await _hubs(redis_url)
    try:
        await one.control("s9", {"cmd": "cancel", "turn_id": "t9"})
        for _ in range(100):
            if controls:
                break
            await asyncio.sleep(0.02)
        assert controls == [("s9", {"cmd": "cancel", "turn_id": "t9"})]
    finally:
        await one.aclose()
        await two.aclose()
        for c in clients:
            await c.aclose()


async def test_a_stalled_redis_bounds_the_outbox_and_local_clients_still_get_everything(
    redis_url: str, monkeypatch: Any
) -> None:
    from infrazen_agent.chat import fanout

    monkeypatch.setattr(fanout, "OUTBOX_LIMIT", 100)
    client = aioredis.from_url(redis_url)
    hub = Hub(client)  # never started: its publisher is as stuck as one waiting on a stalled Redis
    try:
        local = hub.subscribe("s1")
        for i in range(250):
            hub.publish("s1", Envelope.of(Delta(turn_id="t1", text=str(i))))
        assert hub._outbox.qsize() == 100 and hub.dropped == 150  # bounded; the rest not published
        assert local.queue.qsize() == 250  # local delivery is unaffected
        # The turn's end and a cancel are never the ones dropped: a remote client must see the end.
        final = Message(
            turn_id="t1", message_id="m1", content="0…249", usage=Usage(), model="x", mode="online", grounding={}
        )
        hub.publish("s1", Envelope.of(final))
        await hub.control("s1", {"cmd": "cancel", "turn_id": "t1"})
        assert hub._outbox.qsize() == 102 and hub.dropped == 150
    finally:
        await client.aclose()


async def test_a_flush_of_many_sessions_events_is_one_message_and_each_session_keeps_its_order(
    redis_url: str,
) -> None:
    one, two, _, clients = await _hubs(redis_url)
    spy = aioredis.from_url(redis_url).pubsub()
    await spy.psubscribe("chat:ev:*")
    assert (await spy.get_message(timeout=5))["type"] == "psubscribe"
    try:
        remote = {f"s{i}": two.subscribe(f"s{i}") for i in range(0, 50, 2)}  # half the sessions followed there
        for n in range(4):  # interleaved, as concurrent turns stream
            for i in range(50):
                one.publish(f"s{i}", Envelope.of(Delta(turn_id=f"t{i}", text=f"s{i} part {n}")))
        for sid, sub in remote.items():
            got = [await asyncio.wait_for(sub.get(), 5) for _ in range(4)]
            assert [g.json for g in got] == [
                Envelope.of(Delta(turn_id=f"t{sid[1:]}", text=f"{sid} part {n}")).json for n in range(4)
            ]
            assert sub.queue.empty()
        messages = []
        while (m := await spy.get_message(timeout=0.5)) is not None:
            messages.append(m)
        assert len(messages) == 1  # 200 events of 50 sessions, queued together: one message
    finally:
        await spy.aclose()  # type: ignore[no-untyped-call]
        for hub in (one, two):
            await hub.aclose()
        for client in clients:
            await client.aclose()
