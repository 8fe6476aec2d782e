"""Admission of chat messages, before anything is stored: a per-user budget of messages a minute
(shared by every connection and replica, in Redis) and a per-connection frame budget (a socket
that floods is slowed down, then closed)."""

from __future__ import annotations

import time

from ..auth import Principal
from ..errors import RateLimited
from ..runtime import Runtime
from .rate import Window, take, window


def _counter(principal: Principal) -> str:
    return f"msg:{principal.tenant_id}:{principal.user_id}"


def message_window(runtime: Runtime, principal: Principal) -> Window | None:
    """The user's window of chat messages (60 s, sliding); None when unlimited. The chat admits a
    message in the script that queues it (chat/hot_state.py): one Redis round trip for both."""
    limit = runtime.settings.user_messages_per_minute
    if limit <= 0:
        return None
    return window(_counter(principal), limit, 60)


def message_refused(w: Window) -> RateLimited:
    retry = str(w.retry_after_s)
    return RateLimited(f"more than {w.limit} messages a minute; retry in {retry} s", headers={"Retry-After": retry})


async def admit_message(runtime: Runtime, principal: Principal) -> None:
    """One chat message (one turn: its tool calls are not counted again) counted on its own,
    before anything about it is stored (a message with images: before its uploads are claimed)."""
    w = message_window(runtime, principal)
    if w is None:
        return
    (decision,) = await take(runtime.redis, [(_counter(principal), w.limit)], 60)
    if not decision.admitted:
        raise message_refused(w)


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
