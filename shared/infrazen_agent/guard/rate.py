"""Sliding-window rate limits in Redis, shared by every replica: a request is admitted when the
calls of the last `window` seconds (the current window's count plus the previous window's,
weighted by how much of it still lies inside the sliding window) stay within its limit. A refused
call is not counted, so a client that retries is not locked out for longer.

Which limit applies to a tool call (`TOOL_RATE_LIMITS`, calls per `TOOL_RATE_WINDOW_S`): the first
of "<role>:<tool>", "<tool>", the tool's own limit (action tools: 10), "<role>:*", "*"; the role
is the caller's highest one. A chat turn or a recommendation text is one admission: the tool calls
it makes are not counted again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from ..auth import ROLES, Principal
from ..errors import RateLimited
from ..runtime import Runtime

DEFAULT_PER_WINDOW = 60

# One sliding-window decision, also for a script that admits as part of something else (a chat
# message is admitted in the script that queues it: chat/hot_state.py). A refused call is not
# counted. Arguments: the current and previous window's counters, the previous window's weight,
# the counters' TTL, the limit.
SLIDE_FUNCTION = """
local function slide(cur, prev, weight, ttl, limit)
  local used = tonumber(redis.call('get', cur) or '0') + weight * tonumber(redis.call('get', prev) or '0')
  if used + 1 > limit then return false end
  redis.call('incr', cur)
  redis.call('expire', cur, ttl)
  return true
end
"""
# KEYS: per call, its current and previous window's counters. ARGV: weight of the previous
# window, TTL, then per call its limit. Calls are decided in order: two calls of one tool count
# as two separate calls would. Returns per call 1 (admitted) or 0.
_SLIDE = (
    SLIDE_FUNCTION
    + """
local out = {}
for i = 1, #KEYS / 2 do
  out[i] = slide(KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[2 + i])) and 1 or 0
end
return out
"""
)


@dataclass(frozen=True)
class Decision:
    admitted: bool
    limit: int
    retry_after_s: int  # when refused: the seconds until the oldest counted calls leave the window


@dataclass(frozen=True)
class Window:
    """One counter's sliding window now: what `SLIDE_FUNCTION` takes."""

    current: str
    previous: str
    weight: float  # of the previous window's count
    ttl_s: int
    limit: int
    retry_after_s: int  # if refused now


def window(name: str, limit: int, window_s: int, *, now: float | None = None) -> Window:
    """The counter `name`'s window at `now`; a limit ≤ 0 means none (never refused)."""
    now = time.time() if now is None else now
    index, into = divmod(now, window_s)
    return Window(
        current=f"rl:{name}:{int(index)}",
        previous=f"rl:{name}:{int(index) - 1}",
        weight=1.0 - into / window_s,
        ttl_s=2 * window_s,
        limit=limit if limit > 0 else 2**31,
        retry_after_s=max(1, math.ceil(window_s - into)),
    )


async def take(
    redis: aioredis.Redis, names: Sequence[tuple[str, int]], window_s: int, *, now: float | None = None
) -> list[Decision]:
    """One admission per (counter name, limit), in one round trip. A limit ≤ 0 means none."""
    if not names:
        return []
    now = time.time() if now is None else now
    windows = [window(name, limit, window_s, now=now) for name, limit in names]
    keys = [k for w in windows for k in (w.current, w.previous)]
    weight, ttl = windows[0].weight, windows[0].ttl_s  # the same for every counter of one window
    flags = await redis.eval(_SLIDE, len(keys), *keys, weight, ttl, *(w.limit for w in windows))  # type: ignore[misc]
    return [
        Decision(bool(f), limit, 0 if f else w.retry_after_s)
        for f, w, (_, limit) in zip(flags, windows, names, strict=True)
    ]


def top_role(principal: Principal) -> str:
    return max((r for r in principal.roles if r in ROLES), key=ROLES.index, default="viewer")


def tool_limit(limits: dict[str, int], tool: str, role: str, own: int | None) -> int:
    for key in (f"{role}:{tool}", tool):
        if key in limits:
            return limits[key]
    if own is not None:
        return own
    return limits.get(f"{role}:*", limits.get("*", DEFAULT_PER_WINDOW))


async def admit_request(runtime: Runtime, principal: Principal, name: str) -> None:
    """One admission of a whole request (a chat session's start, a recommendation text) against
    the limit for `name` in TOOL_RATE_LIMITS (as a tool's); its tool calls are then not counted."""
    settings = runtime.settings
    limit = tool_limit(settings.tool_rate_limits, name, top_role(principal), None)
    counter = f"req:{principal.tenant_id}:{principal.user_id}:{name}"
    (decision,) = await take(runtime.redis, [(counter, limit)], settings.tool_rate_window_s)
    if not decision.admitted:
        retry = str(decision.retry_after_s)
        seconds = settings.tool_rate_window_s
        raise RateLimited(
            f"more than {limit} {name} requests in {seconds} s; retry in {retry} s", headers={"Retry-After": retry}
        )
