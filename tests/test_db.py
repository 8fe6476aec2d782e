"""The Postgres pool (real Postgres): a checkout that waits because every connection is busy
waits its whole timeout (a burst is served, not refused), while one made when Postgres refuses
connections fails within a probe interval instead of waiting the timeout out."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from infrazen_agent.db import make_pool


async def test_a_busy_pool_keeps_a_checkout_waiting_until_a_connection_is_free(database_url: str) -> None:
    pool = make_pool(database_url, max_size=1, timeout_s=5.0)
    await pool.open(wait=True, timeout=10)
    try:

        async def hold() -> None:
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")
                await asyncio.sleep(1.5)  # longer than a probe slice

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.1)
        t0 = time.monotonic()
        async with pool.connection() as conn:
            assert (await (await conn.execute("SELECT 2")).fetchone()) is not None
        assert 1.0 < time.monotonic() - t0 < 3.0
        await holder
        with pytest.raises(PoolTimeout):  # still bounded by the timeout asked for
            async with pool.connection() as _held, pool.connection(timeout=0.8):
                pass
    finally:
        await pool.close()


async def test_a_checkout_while_postgres_refuses_connections_fails_fast(database_url: str, pg_admin_url: str) -> None:
    db = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    pool = make_pool(database_url, max_size=2, timeout_s=15.0)
    await pool.open(wait=True, timeout=10)
    try:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
            try:
                t0 = time.monotonic()
                with pytest.raises((PoolTimeout, psycopg.OperationalError)):
                    for _ in range(3):  # the first may get a terminated connection back
                        async with pool.connection() as conn:
                            await conn.execute("SELECT 1")
                assert time.monotonic() - t0 < 3.0, "not the 15 s timeout"
            finally:
                admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    finally:
        await pool.close()
