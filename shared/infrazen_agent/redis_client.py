"""The Redis client: a connection pool that knows when Redis stops answering.

A Redis that is killed refuses connections at once; one that hangs (SIGSTOP, a stalled VM, a full
network queue) accepts them and never replies, so every command waits out the socket timeout and
a request with several commands waits several times. After a command times out or its connection
breaks, this pool fails further checkouts at once (ConnectionError: the caller answers a
retryable 503) and lets one checkout through every PROBE_S to find out whether Redis is back.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.connection import AbstractConnection
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class _Health:
    __slots__ = ("down_since", "last_probe")

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.last_probe = 0.0


class _Watched:
    """Mixed into the pool's connection class: a command reply that times out or breaks marks
    Redis down; any reply marks it up. Pub/sub reads (no disconnect on error) are left alone:
    a quiet channel is not a hung server."""

    health: _Health

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        watched = kwargs.get("disconnect_on_error", True)
        try:
            reply = await super().read_response(*args, **kwargs)  # type: ignore[misc]
        except (RedisTimeoutError, RedisConnectionError, TimeoutError, OSError):
            if watched:
                self.health.down_since = self.health.down_since or time.monotonic()
            raise
        if watched:
            self.health.down_since = None
        return reply

    async def connect(self) -> None:
        try:
            await super().connect()  # type: ignore[misc]
        except (RedisTimeoutError, RedisConnectionError, TimeoutError, OSError):
            self.health.down_since = self.health.down_since or time.monotonic()
            raise


class FailFastRedisPool(aioredis.BlockingConnectionPool):
    PROBE_S = 0.5
    PROBE_TIMEOUT_S = 0.3

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.health = _Health()
        base: type[AbstractConnection] = self.connection_class
        self.connection_class = type(f"Watched{base.__name__}", (_Watched, base), {"health": self.health})

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        h = self.health
        if h.down_since is None:
            return await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        now = time.monotonic()
        if now - h.last_probe < self.PROBE_S:
            raise RedisConnectionError("Redis is not answering")
        h.last_probe = now
        # This checkout is the probe, bounded by PROBE_TIMEOUT_S (a new connection's handshake
        # and a PING), so the request that carries it does not wait out the socket timeout again.
        conn = None
        try:
            async with asyncio.timeout(self.PROBE_TIMEOUT_S):
                conn = await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
                await conn.send_command("PING", check_health=False)
                await conn.read_response()
        except BaseException as exc:
            if conn is not None:
                await self.release(conn)
                await conn.disconnect()
            if isinstance(exc, TimeoutError):
                raise RedisConnectionError("Redis is not answering") from None
            raise
        return conn

    @property
    def down(self) -> bool:
        return self.health.down_since is not None


def make_redis(url: str, *, max_connections: int, wait_s: float, socket_timeout_s: float) -> aioredis.Redis:
    pool = FailFastRedisPool.from_url(
        url,
        max_connections=max_connections,
        timeout=wait_s,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s / 2,
        health_check_interval=15,
        # Given, not looked up: redis-py otherwise reads its package metadata (importlib.metadata,
        # a file parse) for every new connection: 5 % of a burst's CPU while the pool grows.
        driver_info=DriverInfo(lib_version=redis.__version__),
    )
    return aioredis.Redis.from_pool(pool)
