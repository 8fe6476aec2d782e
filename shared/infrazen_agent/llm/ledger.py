"""The usage ledger: every gateway call lands in Postgres (`llm_calls`) and in Prometheus.

Rows are written by one background writer per process, in batches (one statement for every row
waiting), off the answers' critical path: a burst of a thousand calls costs a few statements
instead of a thousand checkouts of a pool the turns need, and a row that cannot be written while
Postgres is away waits and is retried instead of being lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..db import Pool
from ..errors import is_dependency_error
from . import metrics
from .types import CallMeta, Usage

log = logging.getLogger("infrazen_agent.llm")

BATCH_ROWS = 500
MAX_WAITING = 20_000  # rows kept while Postgres is away; the oldest go first past it (logged)
WRITE_WAIT_S = 15.0  # a batch waits this long for a connection in a burst


@dataclass
class LedgerEntry:
    meta: CallMeta
    model: str
    provider: str
    streamed: bool
    usage: Usage
    latency_ms: float
    outcome: str  # ok | error | stream_error | cancelled | unavailable
    ttft_ms: float | None = None
    retries: int = 0
    fallback_used: bool = False
    models_tried: list[str] = field(default_factory=list)
    error: str | None = None


_INSERT = (
    "INSERT INTO llm_calls (tenant_id, user_id, scenario, session_id, turn_id, request_id, model,"
    " provider, streamed, prompt_tokens, completion_tokens, cost_usd, cost_source, ttft_ms,"
    " latency_ms, retries, fallback_used, models_tried, outcome, error)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
)


def observe(entry: LedgerEntry) -> None:
    model, usage = entry.model, entry.usage
    metrics.LLM_CALLS.labels(model, entry.meta.scenario, entry.outcome).inc()
    if usage.prompt_tokens:
        metrics.LLM_TOKENS.labels(model, "prompt").inc(usage.prompt_tokens)
    if usage.completion_tokens:
        metrics.LLM_TOKENS.labels(model, "completion").inc(usage.completion_tokens)
    if usage.cost_usd:
        metrics.LLM_COST.labels(model, usage.cost_source).inc(usage.cost_usd)
    if entry.retries:
        metrics.LLM_RETRIES.labels(model).inc(entry.retries)
    if entry.fallback_used and entry.outcome == "ok":
        metrics.LLM_FALLBACKS.labels(model).inc()
    if entry.ttft_ms is not None:
        metrics.LLM_TTFT.labels(model).observe(entry.ttft_ms / 1000)
    metrics.LLM_LATENCY.labels(model).observe(entry.latency_ms / 1000)


def _row(entry: LedgerEntry) -> tuple[object, ...]:
    m, u = entry.meta, entry.usage
    return (
        m.tenant_id,
        m.user_id,
        m.scenario,
        m.session_id,
        m.turn_id,
        m.request_id,
        entry.model,
        entry.provider,
        entry.streamed,
        u.prompt_tokens,
        u.completion_tokens,
        Decimal(str(u.cost_usd)),
        u.cost_source,
        entry.ttft_ms,
        entry.latency_ms,
        entry.retries,
        entry.fallback_used,
        entry.models_tried,
        entry.outcome,
        (entry.error or "")[:500] or None,
    )


class LedgerWriter:
    """Writes ledger rows in order, in batches, retrying while Postgres is away."""

    def __init__(self, pool: Pool, *, before_write: Callable[[], Awaitable[None]] | None = None):
        self.pool = pool
        self.before_write = before_write  # awaited before each batch (the calls' charges)
        self._waiting: list[LedgerEntry] = []
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def add(self, entry: LedgerEntry) -> None:
        observe(entry)
        self._waiting.append(entry)
        if len(self._waiting) > MAX_WAITING:
            excess = len(self._waiting) - MAX_WAITING
            del self._waiting[:excess]
            self.dropped += excess
            log.error("llm ledger rows dropped: Postgres away too long", extra={"rows": excess})
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="llm-ledger-writer")

    async def _run(self) -> None:
        delay = 0.25
        while self._waiting:
            batch = self._waiting[:BATCH_ROWS]
            try:
                if self.before_write is not None:
                    await self.before_write()
                async with self.pool.connection(timeout=WRITE_WAIT_S) as conn, conn.cursor() as cur:
                    await cur.executemany(_INSERT, [_row(e) for e in batch])
            except Exception as exc:
                if not is_dependency_error(exc):  # a row Postgres refuses would block the rest
                    log.exception("llm ledger rows not written", extra={"rows": len(batch)})
                    del self._waiting[: len(batch)]
                    continue
                log.warning("llm ledger rows wait: Postgres away", extra={"rows": len(self._waiting)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            del self._waiting[: len(batch)]
            delay = 0.25

    async def flush(self) -> None:
        """Until every row added so far is written (or given up on)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)


async def spend_since(pool: Pool, tenant_id: str, since: datetime) -> float:
    """The tenant's recorded spend since `since` (rebuilds the Redis running total). A turn waits
    for it, also in a burst that has taken every connection."""
    async with pool.connection(timeout=WRITE_WAIT_S) as conn:
        cur = await conn.execute(
            "SELECT COALESCE(SUM(cost_usd), 0) AS total FROM llm_calls WHERE tenant_id = %s AND created_at >= %s",
            (tenant_id, since),
        )
        row = await cur.fetchone()
    return float(row["total"]) if row else 0.0
