"""Admission of chat messages, before anything is stored: a per-user budget of messages a minute
(shared by every connection and replica, in Redis) and a per-connection frame budget (a socket
that floods is slowed down, then closed)."""

from __future__ import annotations

import time

from ..auth import Principal
from ..errors import RateLimited
from ..runtime import Runtime
from .rate import take


async def admit_message(runtime: Runtime, principal: Principal) -> None:
    """One chat message (one turn: its tool calls are not counted again), sliding window of 60 s."""
    limit = runtime.settings.user_messages_per_minute
    if limit <= 0:
        return
    counter = f"msg:{principal.tenant_id}:{principal.user_id}"
    (decision,) = await take(runtime.redis, [(counter, limit)], 60)
    if not decision.admitted:
        retry = str(decision.retry_after_s)
        raise RateLimited(f"more than {limit} messages a minute; retry in {retry} s", headers={"Retry-After": retry})


class FrameBudget:
    """A token bucket of frames for one connection: `rate` a second, bursts of `burst`."""

    def __init__(self, rate: float = 10.0, burst: int = 20, close_after: int = 200):
        self.rate, self.burst, self.close_after = rate, burst, close_after
        self.tokens = float(burst)
        self.last = time.monotonic()
        self.refused = 0  # in a row
        self.warned_at = 0.0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False

    def should_warn(self) -> bool:
        """One error frame a second at most while frames are refused."""
        now = time.monotonic()
        if now - self.warned_at >= 1.0:
            self.warned_at = now
            return True
        return False

    @property
    def flooding(self) -> bool:
        return self.refused >= self.close_after
