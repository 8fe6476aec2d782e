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
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from ..db import Pool
from ..errors import BudgetExceeded, RateLimited
from .ledger import spend_since
from .types import CallMeta

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

    def queue_admit(self, pipe: Any, meta: CallMeta, now: float) -> int:
        """Adds the admission commands to a pipeline; returns how many results they produce."""
        rate_key = _rate_key(meta, now)
        pipe.sadd(rate_key, meta.turn_id or meta.request_id or uuid.uuid4().hex)
        pipe.expire(rate_key, 120)
        pipe.scard(rate_key)
        pipe.get(spend_key(meta.tenant_id, now))
        return 4

    async def check(self, results: list[Any], meta: CallMeta, now: float) -> None:
        """Raises RateLimited / BudgetExceeded from the pipeline results of `queue_admit`."""
        _, _, requests, spent = results
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

    async def spent_today(self, tenant_id: str) -> float:
        now = time.time()
        value = await self.redis.get(spend_key(tenant_id, now))
        return float(value) if value is not None else await self._rebuild(tenant_id, now)
