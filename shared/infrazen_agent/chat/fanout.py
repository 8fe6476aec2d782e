"""Fan-out of turn events to every connection of a session, on any replica, through Redis pub/sub.

One hub per process: events are delivered to local subscribers at once (no Redis round trip on
the streaming path) and published to Redis, in order, by one background publisher, which sends
what waits as one message (every session's events, each record naming its session); the hub's
single pattern subscription delivers other replicas' events to local subscribers and skips its
own (each message carries its origin). Control messages (cancel) travel the same way.

Trade-off: a pattern subscription means every replica sees every session's events. At the
CE limit of 5 replicas that costs little and avoids per-session SUBSCRIBE bookkeeping and the race
where an event published right after a connection subscribes is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from ..agent.events import Envelope

log = logging.getLogger("infrazen_agent.chat.fanout")

_EVENTS = "chat:ev:"
_EVENTS_ALL = _EVENTS + "*"  # the one channel every session's events travel on (matched by the pattern)
_CONTROL = "chat:ctl:"
_SEP = "\x1f"  # between the fields of a record
_RS = "\x1e"  # between records (JSON escapes control characters, so neither occurs in a body)
QUEUE_LIMIT = 5000  # events buffered per connection before it is judged too slow
OUTBOX_LIMIT = 50_000  # events waiting for Redis; past it other replicas miss deltas, memory stays bounded

ControlHandler = Callable[[str, dict[str, Any]], Awaitable[None]]


Translate = Callable[[Envelope], "Envelope | None"]


class Subscription:
    """A connection's view of a session's events; `translate` adapts (or drops) each event for
    a protocol that speaks other frames (the InfraZen client)."""

    def __init__(self, hub: Hub, session_id: str, translate: Translate | None = None):
        self.hub = hub
        self.session_id = session_id
        self.translate = translate
        self.queue: asyncio.Queue[Envelope] = asyncio.Queue()
        self.overflowed = False

    def deliver(self, env: Envelope) -> None:
        if self.translate is not None:
            translated = self.translate(env)
            if translated is None:
                return
            env = translated
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.overflowed = True
            return
        self.queue.put_nowait(env)

    async def get(self) -> Envelope:
        return await self.queue.get()

    def close(self) -> None:
        self.hub.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Hub:
    def __init__(self, redis: aioredis.Redis, on_control: ControlHandler | None = None):
        self.redis = redis
        self.origin = uuid.uuid4().hex[:12]
        self._own_prefix = (self.origin + _SEP).encode()
        self.on_control = on_control
        self._subs: dict[str, set[Subscription]] = {}
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.dropped = 0  # events never published because Redis fell behind
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()

    # --- lifecycle
    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._reader(), name="chat-hub-reader"),
            asyncio.create_task(self._publisher(), name="chat-hub-publisher"),
        ]
        # Events published before the pattern subscription is live would be lost to this replica.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def aclose(self) -> None:
        await self.flush()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def flush(self) -> None:
        """Wait (a bounded time) until everything published so far has reached Redis."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await self._outbox.join()

    # --- local subscribers
    def subscribe(self, session_id: str, translate: Translate | None = None) -> Subscription:
        sub = Subscription(self, session_id, translate)
        self._subs.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.session_id]

    def local_subscribers(self, session_id: str) -> int:
        return len(self._subs.get(session_id, ()))

    def _dispatch(self, session_id: str, env: Envelope) -> None:
        for sub in tuple(self._subs.get(session_id, ())):
            sub.deliver(env)

    # --- publishing
    def publish(self, session_id: str, env: Envelope) -> None:
        self._dispatch(session_id, env)
        terminal = "1" if env.terminal else "0"
        record = _SEP.join((env.type, env.turn_id or "", terminal, env.json))
        self._enqueue(_EVENTS_ALL, session_id + _SEP + record, essential=env.terminal)

    def _enqueue(self, channel: str, record: str, *, essential: bool) -> None:
        if not essential and self._outbox.qsize() >= OUTBOX_LIMIT:
            # Redis is stalled: local clients have the event. Only streaming pieces are dropped;
            # a turn's end and cancel commands always wait their turn (few, and a client on
            # another replica must learn that the answer is complete — the message carries it whole).
            if self.dropped % 1000 == 0:
                log.warning("fan-out outbox full; events not published", extra={"dropped": self.dropped + 1})
            self.dropped += 1
            return
        self._outbox.put_nowait((channel, record))

    async def control(self, session_id: str, command: dict[str, Any]) -> None:
        if self.on_control is not None:
            await self.on_control(session_id, command)
        self._enqueue(_CONTROL + session_id, json.dumps(command), essential=True)

    async def _publisher(self) -> None:
        while True:
            channel, record = await self._outbox.get()
            batch = [(channel, record)]
            while not self._outbox.empty() and len(batch) < 1024:
                batch.append(self._outbox.get_nowait())
            # Under load many events wait at once: one message per channel carries them all, in
            # order. Every session's events share one channel (each record names its session),
            # so every replica (this one too) receives one message per flush, not one per
            # streaming session.
            by_channel: dict[str, list[str]] = {}
            for ch, rec in batch:
                by_channel.setdefault(ch, []).append(rec)
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for ch, records in by_channel.items():
                        pipe.publish(ch, self.origin + _SEP + _RS.join(records))
                    await pipe.execute()
            except Exception:  # other replicas miss these; local clients already have them
                log.warning("fan-out publish failed", exc_info=True, extra={"events": len(batch)})
            finally:
                for _ in batch:
                    self._outbox.task_done()

    # --- receiving
    async def _reader(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(_EVENTS + "*", _CONTROL + "*")
                confirmed = 0
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is None:
                        continue
                    if message["type"] == "psubscribe":
                        # psubscribe only sends: "subscribed" is true once both are confirmed.
                        confirmed += 1
                        if confirmed == 2:
                            self._subscribed.set()
                            backoff = 0.2
                    elif message["type"] == "pmessage":
                        await self._receive(message)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except Exception:  # Redis went away: resubscribe when it is back
                log.warning("fan-out subscription lost; retrying", exc_info=True)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _receive(self, message: dict[str, Any]) -> None:
        raw: bytes = message["data"]
        if raw.startswith(self._own_prefix):
            return  # our own: local subscribers already have it
        channel = message["channel"].decode()
        if channel == _EVENTS_ALL:
            _, _, records = raw.decode().partition(_SEP)
            subs = self._subs
            for record in records.split(_RS):
                session_id, etype, turn_id, terminal, body = record.split(_SEP, 4)
                if session_id in subs:  # no connection of that session here: nothing to deliver
                    self._dispatch(session_id, Envelope(etype, turn_id or None, body, terminal == "1"))
        elif channel.startswith(_CONTROL) and self.on_control is not None:
            _, _, records = raw.decode().partition(_SEP)
            for body in records.split(_RS):
                try:
                    await self.on_control(channel[len(_CONTROL) :], json.loads(body))
                except Exception:  # a bad control message must not stop the hub
                    log.warning("control message failed", exc_info=True)
