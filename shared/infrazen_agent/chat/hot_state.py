"""Hot session state in Redis, shared by every replica: the cached session record, the context
pack, the recent messages the model sees, and the one-turn-at-a-time lock.

Redis holds nothing that cannot be rebuilt: the transcript in Postgres is the source of truth,
and the pack is rebuilt from tools when it expires.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis.asyncio as aioredis

from .sessions import ChatSession

HOT_TTL_S = 6 * 3600
LOCK_TTL_MS = 90_000
RECENT_MESSAGES = 16

# The lock's value is "<turn id>@<instance id>": the turn that holds it and the process running
# that turn. Each process keeps a heartbeat key alive while it runs; a lock whose holder is not
# running that turn (this process) or has no heartbeat (another one) is stale and may be taken
# over at once — e.g. a lock brought back from the append-only file after a Redis restart, whose
# release was lost while Redis was down, instead of `session_busy` until it expires.
HEARTBEAT_TTL_MS = 15_000
_TAKE_OVER = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return false"
)
# Only the holder may extend or release the lock.
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _key(session_id: str, part: str) -> str:
    return f"chat:s:{session_id}:{part}"


class HotState:
    def __init__(self, redis: aioredis.Redis, instance: str | None = None):
        self.redis = redis
        self.instance = instance or uuid.uuid4().hex[:12]

    def _value(self, turn_id: str) -> str:
        return f"{turn_id}@{self.instance}"

    # --- lock
    async def acquire(self, session_id: str, turn_id: str) -> bool:
        return bool(await self.redis.set(_key(session_id, "lock"), self._value(turn_id), nx=True, px=LOCK_TTL_MS))

    async def extend(self, session_id: str, turn_id: str) -> bool:
        key = _key(session_id, "lock")
        return bool(await self.redis.eval(_EXTEND, 1, key, self._value(turn_id), LOCK_TTL_MS))  # type: ignore[misc]

    async def release(self, session_id: str, turn_id: str) -> None:
        await self.redis.eval(_RELEASE, 1, _key(session_id, "lock"), self._value(turn_id))  # type: ignore[misc]

    async def holder(self, session_id: str) -> tuple[str, str | None, str] | None:
        """(turn id, instance id, raw value) of the lock, or None when it is free."""
        raw = await self.redis.get(_key(session_id, "lock"))
        if raw is None:
            return None
        value = raw.decode() if isinstance(raw, bytes) else str(raw)
        turn, _, instance = value.partition("@")
        return turn, instance or None, value

    async def running_turn(self, session_id: str) -> str | None:
        held = await self.holder(session_id)
        return held[0] if held else None

    async def take_over(self, session_id: str, stale: str, turn_id: str) -> bool:
        """The lock for `turn_id`, only if it still holds the stale value seen."""
        key = _key(session_id, "lock")
        return bool(await self.redis.eval(_TAKE_OVER, 1, key, stale, self._value(turn_id), LOCK_TTL_MS))  # type: ignore[misc]

    async def beat(self) -> None:
        await self.redis.set(f"chat:instance:{self.instance}", "1", px=HEARTBEAT_TTL_MS)

    async def alive(self, instance: str) -> bool:
        return bool(await self.redis.exists(f"chat:instance:{instance}"))

    # --- session record (saves a Postgres round trip per connection and per turn)
    async def put_session(self, session: ChatSession) -> None:
        await self.redis.set(_key(session.id, "meta"), json.dumps(session.to_json()), ex=HOT_TTL_S)

    async def get_session(self, session_id: str) -> ChatSession | None:
        raw = await self.redis.get(_key(session_id, "meta"))
        return ChatSession.from_json(json.loads(raw)) if raw else None

    # --- context pack
    async def put_pack(self, session_id: str, pack: dict[str, Any]) -> None:
        await self.redis.set(_key(session_id, "pack"), json.dumps(pack, ensure_ascii=False), ex=HOT_TTL_S)

    async def get_pack(self, session_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(_key(session_id, "pack"))
        return json.loads(raw) if raw else None

    # --- the pack and the recent messages, in one round trip (the hot path before a model call)
    async def turn_inputs(self, session_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None]:
        _, pack, recent = await self._inputs(session_id, None)
        return pack, recent

    async def acquire_with_inputs(
        self, session_id: str, turn_id: str
    ) -> tuple[bool, dict[str, Any] | None, list[dict[str, Any]] | None]:
        """Take the lock and read the turn's inputs in the same round trip."""
        return await self._inputs(session_id, turn_id)

    async def _inputs(
        self, session_id: str, lock_for: str | None
    ) -> tuple[bool, dict[str, Any] | None, list[dict[str, Any]] | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            if lock_for is not None:
                pipe.set(_key(session_id, "lock"), self._value(lock_for), nx=True, px=LOCK_TTL_MS)
            pipe.get(_key(session_id, "pack"))
            pipe.exists(_key(session_id, "recent"))
            pipe.lrange(_key(session_id, "recent"), 0, -1)
            results = await pipe.execute()
        acquired = bool(results[0]) if lock_for is not None else False
        pack_raw, exists, items = results[-3:]
        pack = json.loads(pack_raw) if pack_raw else None
        recent = [m for m in map(json.loads, items) if m.get("role") != "_empty"] if exists else None
        return acquired, pack, recent

    async def put_recent(self, session_id: str, messages: list[dict[str, Any]]) -> None:
        """Replace the recent list (rebuilt from the transcript after each turn, so replicas that
        finished turns out of order still converge on the durable order)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            _queue_recent(pipe, session_id, messages)
            await pipe.execute()

    async def finish_turn(
        self, session_id: str, turn_id: str, messages: list[dict[str, Any]] | None, session: ChatSession | None
    ) -> None:
        """The end of a turn in one round trip: the new recent messages and session record (or,
        for a turn that was not stored, no cached history), then the lock released (only if this
        turn still holds it)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            if messages is not None:
                _queue_recent(pipe, session_id, messages)
            else:  # the turn was not stored: the next one rebuilds its history from Postgres
                pipe.delete(_key(session_id, "recent"))
            if session is not None:
                pipe.set(_key(session.id, "meta"), json.dumps(session.to_json()), ex=HOT_TTL_S)
            pipe.eval(_RELEASE, 1, _key(session_id, "lock"), self._value(turn_id))
            await pipe.execute()


def _queue_recent(pipe: Any, session_id: str, messages: list[dict[str, Any]]) -> None:
    key = _key(session_id, "recent")
    pipe.delete(key)
    if messages:
        pipe.rpush(key, *[json.dumps(m, ensure_ascii=False) for m in messages[-RECENT_MESSAGES:]])
    else:  # Redis has no empty lists: a marker says "known empty", not "not cached"
        pipe.rpush(key, json.dumps({"role": "_empty"}))
    pipe.expire(key, HOT_TTL_S)
