"""The ledger writer (real Postgres): a burst of calls is written in order in a few statements,
and rows added while Postgres refuses connections wait and are written once it is back, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest

from infrazen_agent.config import Settings
from infrazen_agent.llm.ledger import LedgerEntry, LedgerWriter
from infrazen_agent.llm.types import CallMeta, Usage
from infrazen_agent.runtime import Runtime


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"db_pool_size": 2}))
    await rt.ensure_started()
    yield rt
    await rt.stop()


def _entry(i: int) -> LedgerEntry:
    meta = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics", request_id=f"r{i:04d}")
    return LedgerEntry(meta, "openai/m", "openai", True, Usage(10, 5, 0.001), 12.5, "ok")


def _request_ids(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT request_id FROM llm_calls ORDER BY id").fetchall()]


async def test_a_burst_is_written_in_order_in_a_few_statements(runtime: Runtime) -> None:
    writer = LedgerWriter(runtime.pool)
    statements = 0
    execute = writer.pool.connection

    def counting(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1
        return execute(*args, **kw)  # type: ignore[arg-type]

    writer.pool.connection = counting  # type: ignore[method-assign]
    for i in range(1200):
        writer.add(_entry(i))
        if i % 100 == 0:
            await asyncio.sleep(0)  # the writer runs while calls keep coming
    await writer.flush()
    assert _request_ids(runtime.settings.database_url) == [f"r{i:04d}" for i in range(1200)]
    assert statements <= 20, statements  # one checkout per batch, not one per row


async def test_rows_added_while_postgres_is_away_are_written_when_it_is_back(
    runtime: Runtime, pg_admin_url: str
) -> None:
    db = psycopg.conninfo.conninfo_to_dict(runtime.settings.database_url)["dbname"]
    writer = LedgerWriter(runtime.pool)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
        try:
            for i in range(5):
                writer.add(_entry(i))
            await asyncio.sleep(1.5)  # retried meanwhile, kept
        finally:
            admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    await asyncio.wait_for(writer.flush(), 20)
    assert _request_ids(runtime.settings.database_url) == [f"r{i:04d}" for i in range(5)]
