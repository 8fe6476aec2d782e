"""Postgres: the async connection pool and versioned SQL migrations.

Migrations are `migrations/NNNN_name.sql`, applied in order, each in its own transaction, under an
advisory lock so that several replicas starting at once apply each exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import select
import time
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

# Rows come back as dicts everywhere (see make_pool).
Conn = psycopg.AsyncConnection[DictRow]


class FailFastPool(AsyncConnectionPool[Conn]):
    """A pool that knows when Postgres refuses connections. While it does and no connection is
    idle, a checkout fails at once (PoolTimeout: the caller answers 503) instead of waiting out
    the timeout once per query; at most every PROBE_S one checkout tries a connection itself, so
    the pool is back as soon as Postgres is (its own reconnect attempts back off for seconds).
    A checkout that waits because every connection is busy (a burst) waits its whole timeout, but
    gives up as soon as Postgres is found refusing connections meanwhile."""

    PROBE_S = 0.5
    _down_since: float | None = None
    _last_probe = 0.0

    async def _connect(self, timeout: float | None = None) -> Conn:  # noqa: ASYNC109 - the parent's signature
        try:
            conn = await super()._connect(timeout)
        except Exception:
            self._down_since = self._down_since or time.monotonic()
            raise
        self._down_since = None
        return conn

    async def getconn(self, timeout: float | None = None) -> Conn:  # noqa: ASYNC109 - the parent's signature
        if self._down_since is not None and not self._pool:
            now = time.monotonic()
            if now - self._last_probe < self.PROBE_S:
                raise PoolTimeout("Postgres is not accepting connections")
            self._last_probe = now
            conn = await self._connect(timeout=min(timeout or self.timeout, 2.0))  # raises while down
            async with self._lock:
                room = self._nconns < self.max_size
                if room:
                    self._nconns += 1
            if room:
                await self._add_to_pool(conn)
            else:
                await conn.close()
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            try:
                return await super().getconn(max(0.01, min(remaining, self.PROBE_S)))
            except PoolTimeout:
                if self._down_since is not None or time.monotonic() >= deadline:
                    raise


Pool = FailFastPool

log = logging.getLogger("infrazen_agent.db")

_MIGRATION_LOCK = 7_420_001
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("infrazen_agent.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


async def migrate(conninfo: str) -> list[int]:
    """Apply pending migrations; returns the versions applied now."""
    applied_now: list[int] = []
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur = await conn.execute("SELECT version, checksum FROM schema_migrations")
            done = {row[0]: row[1] for row in await cur.fetchall()}
            for mig in load_migrations():
                if mig.version in done:
                    if done[mig.version] != mig.checksum:
                        log.warning("applied migration changed since", extra={"version": mig.version})
                    continue
                async with conn.transaction():
                    await conn.execute(mig.sql.encode())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (mig.version, mig.name, mig.checksum),
                    )
                applied_now.append(mig.version)
                log.info("migration applied", extra={"version": mig.version, "migration": mig.name})
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied_now


async def _check(conn: psycopg.AsyncConnection[DictRow]) -> None:
    """Hand out only live connections, without a round trip per checkout: an idle connection has
    nothing to read unless the server closed it (restart, admin kill) and left EOF or a FATAL
    notice on the socket — only then do we ping (and the pool replaces it if the ping fails)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("connection closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        await AsyncConnectionPool.check_connection(conn)


def make_pool(conninfo: str, *, min_size: int = 1, max_size: int = 10, timeout_s: float = 30.0) -> Pool:
    # _check: a pool that outlives a Postgres restart hands out live connections again.
    # timeout_s: a request waits this long for a connection, then fails (503) instead of hanging.
    return FailFastPool(
        conninfo,
        connection_class=psycopg.AsyncConnection[DictRow],
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=timeout_s,
        kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": max(1, round(timeout_s))},
        check=_check,
    )
