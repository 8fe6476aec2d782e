"""The Redis pool that fails fast while Redis hangs, against a real Redis stopped with SIGSTOP."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from infrazen_agent.embedded import EmbeddedRedis
from infrazen_agent.redis_client import FailFastRedisPool, make_redis


async def test_a_hung_redis_costs_one_socket_timeout_then_fails_fast_and_recovers(own_redis: EmbeddedRedis) -> None:
    r = make_redis(own_redis.url, max_connections=20, wait_s=5, socket_timeout_s=1.0)
    pool = r.connection_pool
    assert isinstance(pool, FailFastRedisPool)
    await r.set("k", "v")
    assert own_redis.proc is not None
    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        with pytest.raises((RedisTimeoutError, RedisConnectionError)):
            await r.get("k")
        assert 0.9 < time.monotonic() - t0 < 1.6  # the first command finds out the hard way
        assert pool.down
        waits = []
        for _ in range(200):  # then every command, pipeline and script fails within the probe bound
            t0 = time.monotonic()
            with pytest.raises(RedisConnectionError):
                async with r.pipeline(transaction=False) as pipe:
                    await pipe.incr("n").expire("n", 5).execute()
            waits.append(time.monotonic() - t0)
        assert max(waits) < FailFastRedisPool.PROBE_TIMEOUT_S + 0.15, max(waits)
        assert sum(w > 0.05 for w in waits) <= 2  # only the checkouts that probed waited at all
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    t0 = time.monotonic()
    while True:  # back within a probe interval, without a restart
        try:
            assert await r.get("k") == b"v"
            break
        except RedisConnectionError:
            assert time.monotonic() - t0 < FailFastRedisPool.PROBE_S + 1
            await asyncio.sleep(0.05)
    assert not pool.down
    await r.aclose()


async def test_a_quiet_subscription_is_not_a_hung_server(own_redis: EmbeddedRedis) -> None:
    r = make_redis(own_redis.url, max_connections=5, wait_s=5, socket_timeout_s=0.5)
    pubsub = r.pubsub()
    await pubsub.subscribe("quiet")
    assert (await pubsub.get_message(timeout=1))["type"] == "subscribe"  # type: ignore[index]
    assert await pubsub.get_message(timeout=1.5) is None  # longer than the socket timeout
    assert not r.connection_pool.down  # type: ignore[attr-defined]
    assert await r.ping()
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    await r.aclose()
