"""Background jobs of one process (reports, imports): a runtime service, so shutdown cancels
them, with at most `concurrent` running at once — a flood of requests waits queued instead of
starving the chats the same process serves."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from .db import Pool


class BackgroundJobs:
    def __init__(self, concurrent: int = 1) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(concurrent)

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def aclose(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)


async def fail_stale(pool: Pool, table: str, tenant_id: str, older_than_s: float, message: str) -> None:
    """Fails the tenant's jobs in `table` (a constant) still queued or running after
    `older_than_s`: their process died, and a reader must not wait for them forever."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    async with pool.connection() as conn:
        await conn.execute(
            f"UPDATE {table} SET status = 'failed', stage = 'failed', finished_at = now(), error = %s"
            " WHERE tenant_id = %s AND status IN ('queued', 'running') AND created_at < %s",
            (Jsonb({"code": "interrupted", "message": message}), tenant_id, cutoff),
        )
