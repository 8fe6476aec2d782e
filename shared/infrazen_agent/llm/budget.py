"""Spending and request limits, kept in Redis so that every replica sees the same numbers.

- Per-tenant daily spend cap (USD, UTC day): a running total per tenant and day, increased after
  each call by its cost and rebuilt from the Postgres ledger when the key is missing (new day,
  Redis restart), so Redis never has to be the source of truth.
- Per-user request rate: distinct turns (or calls without a turn) per user and minute; a chat
  turn with several tool steps counts once.

Concurrent calls can each pass the check before any of them is charged, so a tenant may overshoot
the cap by the cost of its calls in flight; the next call is refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from ..db import Pool
from ..errors import BudgetExceeded, RateLimited
from .ledger import spend_since
from .types import CallMeta

log = logging.getLogger("infrazen_agent.llm.budget")

_DAY_TTL_S = 2 * 24 * 3600
# Increase the running total only if it exists: a missing key is rebuilt from the ledger instead
# (which already holds this call), so the total is never started from zero mid-day.
# The day's spenders are also kept ranked (a sorted set), so /metrics reads the biggest ones in
# one command (live_gauges.py). KEYS: total, spenders. ARGV: cost, tenant, TTL.
_ADD_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[2], total, ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return total
end
return false
"""

# The admission of one model call: its turn joins the user's turns of this minute, and the
# tenant's running total is read ("" when there is none yet). KEYS: rate set, total. ARGV: member.
_ADMIT = """
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 120)
return {redis.call('SCARD', KEYS[1]), redis.call('GET', KEYS[2]) or ''}
"""


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


def _day(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y%m%d")


def spend_key(tenant_id: str, now: float) -> str:
    return f"llm:spend:{tenant_id}:{_day(now)}"


def spenders_key(now: float) -> str:
    """The day's tenants ranked by spend (USD); outside `llm:spend:` so no tenant id meets it."""
    return f"llm:top-spenders:{_day(now)}"


def _rate_key(meta: CallMeta, now: float) -> str:
    return f"llm:rate:{meta.tenant_id}:{meta.user_id}:{int(now // 60)}"


class Budget:
    def __init__(self, redis: aioredis.Redis, pool: Pool, *, daily_cap_usd: float, requests_per_minute: int):
        self.redis = redis
        self.pool = pool
        self.daily_cap_usd = daily_cap_usd  # <= 0: no cap
        self.requests_per_minute = requests_per_minute  # <= 0: no limit
        self._add = redis.register_script(_ADD_IF_EXISTS)
        self._rebuilding: dict[str, asyncio.Future[float]] = {}
        self._owed: dict[str, float] = {}  # tenant -> cost charged but not yet in Redis
        self._charger: asyncio.Task[None] | None = None
        self._current: asyncio.Future[None] | None = None  # the charges being written
        self._next: asyncio.Future[None] | None = None  # the charges owed after those
        self._writing: set[str] = set()  # the tenants of the charges being written

    def queue_admit(self, pipe: Any, meta: CallMeta, now: float) -> int:
        """Adds the admission to a pipeline (one command); returns how many results it produces."""
        member = meta.turn_id or meta.request_id or uuid.uuid4().hex
        pipe.eval(_ADMIT, 2, _rate_key(meta, now), spend_key(meta.tenant_id, now), member)
        return 1

    async def check(self, results: list[Any], meta: CallMeta, now: float) -> None:
        """Raises RateLimited / BudgetExceeded from the pipeline results of `queue_admit`."""
        requests, spent = results[0]
        spent = spent or None  # "": no running total yet
        if 0 < self.requests_per_minute < int(requests):
            retry_after = max(1, int(60 - now % 60))
            raise RateLimited(
                f"more than {self.requests_per_minute} model requests per minute; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
        if self.daily_cap_usd <= 0:
            return
        total = float(spent) if spent is not None else await self._rebuild(meta.tenant_id, now)
        if total >= self.daily_cap_usd:
            raise BudgetExceeded(
                f"the tenant's daily LLM budget of {self.daily_cap_usd:.2f} USD is spent "
                f"({total:.4f} USD today, UTC); it resets at 00:00 UTC",
                details={"spent_usd": round(total, 6), "cap_usd": self.daily_cap_usd, "period": "day"},
            )

    async def _rebuild(self, tenant_id: str, now: float) -> float:
        """One rebuild per tenant and day at a time in this process: a burst of turns that all
        find the total missing (a new day, a Redis restart) waits for one ledger query, not one
        each."""
        key = spend_key(tenant_id, now)
        running = self._rebuilding.get(key)
        if running is None:
            running = self._rebuilding[key] = asyncio.ensure_future(self._rebuild_once(tenant_id, now))
            running.add_done_callback(lambda _: self._rebuilding.pop(key, None))
        return await asyncio.shield(running)

    async def _rebuild_once(self, tenant_id: str, now: float) -> float:
        day_start = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        total = await spend_since(self.pool, tenant_id, day_start)
        key = spend_key(tenant_id, now)
        if not await self.redis.set(key, repr(total), nx=True, ex=_DAY_TTL_S):
            current = await self.redis.get(key)  # another replica rebuilt it first
            return float(current) if current is not None else total
        if total > 0:
            await self.redis.zadd(spenders_key(now), {tenant_id: total})
            await self.redis.expire(spenders_key(now), _DAY_TTL_S)
        return total

    async def add_spend(self, tenant_id: str, cost_usd: float, now: float | None = None) -> None:
        if cost_usd > 0:
            when = now or time.time()
            keys = [spend_key(tenant_id, when), spenders_key(when)]
            await self._add(keys=keys, args=[repr(cost_usd), tenant_id, _DAY_TTL_S])

    def charge(self, tenant_id: str, cost_usd: float) -> None:
        """Adds a call's cost to the running total in the background: the answer goes on (its
        tool round, its next step) without waiting for Redis, and the charges of a burst share
        one pipeline. Every admission and read of the total in this process first waits for the
        charges made before it (`settle`)."""
        if cost_usd <= 0:
            return
        self._owed[tenant_id] = self._owed.get(tenant_id, 0.0) + cost_usd
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        if self._charger is None or self._charger.done():
            self._charger = asyncio.ensure_future(self._charge_owed())

    async def _charge_owed(self) -> None:
        try:
            while self._owed:
                owed, self._owed = self._owed, {}
                self._current, self._next = self._next, None
                self._writing = set(owed)
                try:
                    now = time.time()
                    async with self.redis.pipeline(transaction=False) as pipe:
                        for tenant_id, cost in owed.items():  # EVAL: no SCRIPT EXISTS round trip first
                            keys = (spend_key(tenant_id, now), spenders_key(now))
                            pipe.eval(_ADD_IF_EXISTS, 2, *keys, repr(cost), tenant_id, _DAY_TTL_S)
                        await pipe.execute()
                except Exception as exc:  # noqa: BLE001 - the ledger rows keep the costs; answers go on
                    log.warning("charging the running total failed", extra={"error": type(exc).__name__})
                finally:
                    _resolve(self._current)
                    self._current, self._writing = None, set()
        finally:  # cancelled (shutdown): nobody waits for charges that will not be written
            _resolve(self._next)
            self._next = None

    async def settle(self, tenant_id: str | None = None) -> None:
        """Waits for the charges made so far (the tenant's, or everyone's: shutdown, the ledger)."""
        if tenant_id is None or tenant_id in self._owed:
            waiting = self._next or self._current
        else:
            waiting = self._current if tenant_id in self._writing else None
        if waiting is not None:
            await asyncio.shield(waiting)

    async def spent_today(self, tenant_id: str) -> float:
        await self.settle(tenant_id)
        now = time.time()
        value = await self.redis.get(spend_key(tenant_id, now))
        return float(value) if value is not None else await self._rebuild(tenant_id, now)
