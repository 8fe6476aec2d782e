"""Hot session state in Redis, shared by every replica: the cached session record, the context
pack, the recent messages the model sees, the one-turn-at-a-time lock and the queue of messages
waiting for it.

Redis holds nothing that cannot be rebuilt: the transcript in Postgres is the source of truth,
and the pack is rebuilt from tools when it expires.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis.asyncio as aioredis

from ..guard.rate import SLIDE_FUNCTION, Window
from .sessions import ChatSession

HOT_TTL_S = 6 * 3600
LOCK_TTL_MS = 90_000
RECENT_MESSAGES = 16
QUEUE_MAX = 10  # messages waiting behind the running turn of one session (several tabs)

# The lock's value is "<turn id>@<instance id>": the turn that holds it and the process running
# that turn. Each process keeps a heartbeat key alive while it runs; a lock whose holder is not
# running that turn (this process) or has no heartbeat (another one) is stale and may be taken
# over at once — e.g. a lock brought back from the append-only file after a Redis restart, whose
# release was lost while Redis was down, instead of waiting 90 s for it to expire.
HEARTBEAT_TTL_MS = 15_000
# Only the holder may extend or release the lock.
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


# Turns run one at a time, in the order their messages arrived. A message is pushed onto the
# session's queue; when the lock is free the queue's head is popped and the lock taken for it, in
# the same script, so a message is never stranded behind a lock that was released meanwhile.
# With the sender's message window (guard/rate.py) the message is admitted here too, before it
# is queued: a resend of a waiting message and a message refused as the queue is full are not
# counted. Returns {"run", head entry, pack, recent exists, recent items...} (the turn's inputs
# read in the same script) | {"queued", position} | {"full"} | {"limited"} | {"dup", turn id} (a
# resend of a message still waiting). KEYS: lock, queue, pack, recent[, window's current and
# previous counters]. ARGV: entry, instance, lock TTL, max, client msg id[, weight, TTL, limit].
_ENQUEUE = (
    SLIDE_FUNCTION
    + """
local items = redis.call('lrange', KEYS[2], 0, -1)
if ARGV[5] ~= '' then
  for _, raw in ipairs(items) do
    local e = cjson.decode(raw)
    if e['client_message_id'] == ARGV[5] then return {'dup', e['turn_id']} end
  end
end
local busy = redis.call('exists', KEYS[1]) == 1
if busy and #items >= tonumber(ARGV[4]) then return {'full'} end
if KEYS[5] and not slide(KEYS[5], KEYS[6], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])) then
  return {'limited'}
end
if busy then return {'queued', tostring(redis.call('rpush', KEYS[2], ARGV[1]))} end
redis.call('rpush', KEYS[2], ARGV[1])
local head = redis.call('lpop', KEYS[2])
redis.call('set', KEYS[1], cjson.decode(head)['turn_id'] .. '@' .. ARGV[2], 'PX', ARGV[3])
local pack = redis.call('get', KEYS[3]) or ''
return {'run', head, pack, redis.call('exists', KEYS[4]), unpack(redis.call('lrange', KEYS[4], 0, -1))}
"""
)
# The lock passes from the value expected (the turn that ends, a stale holder, or '' for none)
# to the queue's head, or is released when nothing waits. False: the lock is not as expected.
# KEYS: lock, queue. ARGV: expected value, instance, lock TTL.
_NEXT = """
local current = redis.call('get', KEYS[1]) or ''
if current ~= ARGV[1] then return false end
local head = redis.call('lpop', KEYS[2])
if not head then
  if current ~= '' then redis.call('del', KEYS[1]) end
  return ''
end
redis.call('set', KEYS[1], cjson.decode(head)['turn_id'] .. '@' .. ARGV[2], 'PX', ARGV[3])
return head
"""
# The end of a turn (atomic, like MULTI/EXEC): the recent messages replaced (none given: dropped),
# the session record refreshed (when given), then the lock released (advance "0") or passed on by
# _NEXT itself. KEYS: lock, queue, recent, meta. ARGV: the lock's value, instance, lock TTL, hot
# TTL, advance, session record or "", recent messages...
_FINISH = (
    """
redis.call('del', KEYS[3])
if #ARGV > 6 then
  redis.call('rpush', KEYS[3], unpack(ARGV, 7))
  redis.call('expire', KEYS[3], ARGV[4])
end
if ARGV[6] ~= '' then redis.call('set', KEYS[4], ARGV[6], 'EX', ARGV[4]) end
if ARGV[5] ~= '1' then """
    + _RELEASE
    + " end"
    + _NEXT
)
# A waiting message this process was given but will not run (it is shutting down): back to the
# head of the queue, its lock freed. KEYS: lock, queue. ARGV: the lock's value, the entry.
_GIVE_BACK = """
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('lpush', KEYS[2], ARGV[2])
return 1
"""
# A waiting message taken off the queue (cancelled before its turn started). KEYS: queue.
_DROP = """
for _, raw in ipairs(redis.call('lrange', KEYS[1], 0, -1)) do
  if cjson.decode(raw)['turn_id'] == ARGV[1] then
    redis.call('lrem', KEYS[1], 1, raw)
    return raw
  end
end
return false
"""


_EMPTY = json.dumps({"role": "_empty"})  # Redis has no empty lists: "known empty", not "not cached"


def _key(session_id: str, part: str) -> str:
    return f"chat:s:{session_id}:{part}"


class HotState:
    def __init__(self, redis: aioredis.Redis, instance: str | None = None):
        self.redis = redis
        self.instance = instance or uuid.uuid4().hex[:12]

    def _value(self, turn_id: str) -> str:
        return f"{turn_id}@{self.instance}"

    # --- lock
    async def extend(self, session_id: str, turn_id: str) -> bool:
        key = _key(session_id, "lock")
        return bool(await self.redis.eval(_EXTEND, 1, key, self._value(turn_id), LOCK_TTL_MS))  # type: ignore[misc]

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
        async with self.redis.pipeline(transaction=False) as pipe:
            _read_inputs(pipe, session_id)
            return _inputs_of(await pipe.execute())

    # --- the queue of messages waiting for the session's turn
    async def admit(
        self, session_id: str, entry: dict[str, Any], rate: Window | None = None
    ) -> tuple[str, Any, dict[str, Any] | None, list[dict[str, Any]] | None]:
        """Admit (against `rate`, the sender's message window, if any) and queue a message and,
        when no turn runs, take the lock for the queue's head; the turn's inputs are read in the
        same script. (outcome, payload, pack, recent): see _ENQUEUE."""
        keys = [_key(session_id, part) for part in ("lock", "queue", "pack", "recent")]
        args: list[Any] = [json.dumps(entry), self.instance, LOCK_TTL_MS, QUEUE_MAX]
        args.append(entry.get("client_message_id") or "")
        if rate is not None:
            keys += [rate.current, rate.previous]
            args += [rate.weight, rate.ttl_s, rate.limit]
        results = await self.redis.eval(_ENQUEUE, len(keys), *keys, *args)  # type: ignore[misc]
        outcome = _text(results[0])
        if outcome == "run":
            pack, recent = _inputs_of([results[2] or None, results[3], results[4:]])
            return outcome, json.loads(results[1]), pack, recent
        payload: Any = _text(results[1]) if len(results) > 1 else None
        if outcome == "queued":
            payload = int(payload)
        return outcome, payload, None, None

    async def advance(self, session_id: str, expected: str) -> dict[str, Any] | None:
        """Pass the lock from `expected` to the next waiting message (returned), or release it."""
        raw = await self.redis.eval(  # type: ignore[misc]
            _NEXT, 2, _key(session_id, "lock"), _key(session_id, "queue"), expected, self.instance, LOCK_TTL_MS
        )
        return json.loads(raw) if raw else None

    async def take_over(self, session_id: str, expected: str) -> tuple[bool, dict[str, Any] | None]:
        """`advance` from a stale holder, telling whether this call did it: (False, None) when the
        lock was not `expected` any more (another process took it over, or it ended)."""
        raw = await self.redis.eval(  # type: ignore[misc]
            _NEXT, 2, _key(session_id, "lock"), _key(session_id, "queue"), expected, self.instance, LOCK_TTL_MS
        )
        if raw is None:
            return False, None
        return True, (json.loads(raw) if raw else None)

    async def forget_recent(self, session_id: str) -> None:
        """The next turn rebuilds its history from the transcript."""
        await self.redis.delete(_key(session_id, "recent"))

    async def release(self, session_id: str, turn_id: str) -> None:
        """Free the lock if this turn holds it, leaving what waits for a live process."""
        await self.redis.eval(_RELEASE, 1, _key(session_id, "lock"), self._value(turn_id))  # type: ignore[misc]

    async def give_back(self, session_id: str, entry: dict[str, Any]) -> None:
        lock, queue = _key(session_id, "lock"), _key(session_id, "queue")
        await self.redis.eval(_GIVE_BACK, 2, lock, queue, self._value(entry["turn_id"]), json.dumps(entry))  # type: ignore[misc]

    async def drop_queued(self, session_id: str, turn_id: str) -> dict[str, Any] | None:
        raw = await self.redis.eval(_DROP, 1, _key(session_id, "queue"), turn_id)  # type: ignore[misc]
        return json.loads(raw) if raw else None

    async def queued(self, session_id: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self.redis.lrange(_key(session_id, "queue"), 0, -1)]

    def value_of(self, turn_id: str) -> str:
        return self._value(turn_id)

    async def put_recent(self, session_id: str, messages: list[dict[str, Any]]) -> None:
        """Replace the recent list (rebuilt from the transcript after each turn, so replicas that
        finished turns out of order still converge on the durable order)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            _queue_recent(pipe, session_id, messages)
            await pipe.execute()

    async def finish_turn(
        self,
        session_id: str,
        turn_id: str,
        messages: list[dict[str, Any]] | None,
        session: ChatSession | None,
        *,
        advance: bool = True,
    ) -> dict[str, Any] | None:
        """The end of a turn in one script: the new recent messages and session record (or, for
        a turn that was not stored, no cached history), then the lock passed to the next waiting
        message (returned) or released — only if this turn still holds it."""
        if messages is None:  # the turn was not stored: the next one rebuilds its history from Postgres
            recent: list[str] = []
        else:
            recent = [json.dumps(m, ensure_ascii=False) for m in messages[-RECENT_MESSAGES:]] or [_EMPTY]
        raw = await self.redis.eval(  # type: ignore[misc]
            _FINISH,
            4,
            _key(session_id, "lock"),
            _key(session_id, "queue"),
            _key(session_id, "recent"),
            _key(session.id if session is not None else session_id, "meta"),
            self._value(turn_id),
            self.instance,
            LOCK_TTL_MS,
            HOT_TTL_S,
            "1" if advance else "0",
            json.dumps(session.to_json()) if session is not None else "",
            *recent,
        )
        return json.loads(raw) if advance and raw else None


def _queue_recent(pipe: Any, session_id: str, messages: list[dict[str, Any]]) -> None:
    key = _key(session_id, "recent")
    pipe.delete(key)
    pipe.rpush(key, *[json.dumps(m, ensure_ascii=False) for m in messages[-RECENT_MESSAGES:]] or [_EMPTY])
    pipe.expire(key, HOT_TTL_S)


def _read_inputs(pipe: Any, session_id: str) -> None:
    pipe.get(_key(session_id, "pack"))
    pipe.exists(_key(session_id, "recent"))
    pipe.lrange(_key(session_id, "recent"), 0, -1)


def _inputs_of(results: list[Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None]:
    pack_raw, exists, items = results[-3:]
    pack = json.loads(pack_raw) if pack_raw else None
    recent = [m for m in map(json.loads, items) if m.get("role") != "_empty"] if exists else None
    return pack, recent


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
