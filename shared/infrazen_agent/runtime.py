"""The process-wide runtime: settings, Postgres pool, Redis client, object store, and whatever
embedded servers the embedded default had to start. Created once per process, started lazily (so
that Mangum with `lifespan="off"` works) or eagerly from the ASGI lifespan.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from .config import ConfigError, Settings
from .db import Pool, make_pool, migrate
from .embedded import EmbeddedPostgres, EmbeddedRedis
from .redis_client import make_redis
from .storage import ObjectStore, S3Store, build_store

log = logging.getLogger("infrazen_agent.runtime")

StartHook = Callable[["Runtime"], Awaitable[None]]


class Runtime:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.database_url = settings.database_url
        self.redis_url = settings.redis_url
        self._pg: EmbeddedPostgres | None = None
        self._redis_server: EmbeddedRedis | None = None
        self._pool: Pool | None = None
        self._redis: aioredis.Redis | None = None
        self._store: ObjectStore | None = None
        self._lock = asyncio.Lock()
        self.start_hooks: list[StartHook] = []
        # Per-process singletons built by components (gateway, tool registry…), keyed by name.
        self.services: dict[str, Any] = {}
        self.started = False

    # --- accessors (raise if used before start, which is a programming error)
    @property
    def pool(self) -> Pool:
        assert self._pool is not None, "runtime not started"
        return self._pool

    @property
    def redis(self) -> aioredis.Redis:
        assert self._redis is not None, "runtime not started"
        return self._redis

    @property
    def store(self) -> ObjectStore:
        assert self._store is not None, "runtime not started"
        return self._store

    @property
    def embedded(self) -> dict[str, bool]:
        return {
            "postgres": self._pg is not None,
            "redis": self._redis_server is not None,
            "storage": self._store is not None and self._store.kind == "local",
        }

    async def ensure_started(self) -> Runtime:
        if not self.started:
            async with self._lock:
                if not self.started:
                    await self._start()
        return self

    async def _start(self) -> None:
        t0 = time.perf_counter()
        s = self.settings
        s.validate_for_start()
        if s.agent_env == "prod" and not (s.database_url and s.redis_url):
            raise ConfigError(
                "AGENT_ENV=prod needs DATABASE_URL and REDIS_URL (the embedded servers are for development)"
            )
        try:
            if not (self.database_url and self.redis_url):
                atexit.register(self.stop_embedded_now)
            if not self.database_url:
                self._pg = EmbeddedPostgres(s.agent_data_dir / "postgres")
                self.database_url = await asyncio.to_thread(self._pg.start)
            if not self.redis_url:
                self._redis_server = EmbeddedRedis(s.agent_data_dir / "redis")
                self.redis_url = await asyncio.to_thread(self._redis_server.start)
            await migrate(self.database_url)
            self._pool = make_pool(self.database_url, max_size=s.db_pool_size, timeout_s=s.db_acquire_timeout_s)
            await self._pool.open(wait=True, timeout=30)
            # Many concurrent chat turns: wait for a free connection instead of failing at 100.
            self._redis = make_redis(
                self.redis_url,
                max_connections=256,
                wait_s=5,
                socket_timeout_s=s.ready_check_timeout_s * 2,
            )
            self._store = build_store(s)
            if isinstance(self._store, S3Store):
                await self._store.ensure_bucket()
            for hook in self.start_hooks:
                await hook(self)
        except BaseException:
            await self._close()
            raise
        self.started = True
        log.info("runtime started", extra={"seconds": round(time.perf_counter() - t0, 3), "embedded": self.embedded})

    def stop_embedded_now(self) -> None:
        """Synchronous last resort (atexit, or a shutdown cut short by a second signal): never
        leave an embedded postgres or redis running after this process."""
        if self._redis_server is not None:
            self._redis_server.stop()
            self._redis_server = None
        if self._pg is not None:
            self._pg.stop()
            self._pg = None

    async def _close(self, *, embedded: bool = True) -> None:
        # The last made first: a service closes before those it uses (the chat's running turns
        # end before the model gateway writes its last charges and ledger rows).
        for name, svc in reversed(list(self.services.items())):
            aclose = getattr(svc, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:  # noqa: BLE001 - closing must go on
                    log.warning("service close failed", extra={"service": name})
        self.services.clear()
        try:
            if self._redis is not None:
                await self._redis.aclose()
            if self._pool is not None:
                await self._pool.close(timeout=5)
        finally:
            self._redis = None
            self._pool = None
            if embedded:
                await asyncio.to_thread(self.stop_embedded_now)

    async def stop(self, *, keep_embedded: bool = False) -> None:
        """Close the clients and services; the embedded servers too unless `keep_embedded` (a
        supervisor whose workers use them; it stops them with stop_embedded_now)."""
        async with self._lock:
            await self._close(embedded=not keep_embedded)
            self.started = False
