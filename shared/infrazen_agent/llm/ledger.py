"""The usage ledger: every gateway call lands in Postgres (`llm_calls`) and in Prometheus."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..db import Pool
from . import metrics
from .types import CallMeta, Usage


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


async def record(pool: Pool, entry: LedgerEntry) -> None:
    observe(entry)
    m, u = entry.meta, entry.usage
    async with pool.connection() as conn:
        await conn.execute(
            _INSERT,
            (
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
            ),
        )


async def spend_since(pool: Pool, tenant_id: str, since: datetime) -> float:
    """The tenant's recorded spend since `since` (rebuilds the Redis running total)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT COALESCE(SUM(cost_usd), 0) AS total FROM llm_calls WHERE tenant_id = %s AND created_at >= %s",
            (tenant_id, since),
        )
        row = await cur.fetchone()
    return float(row["total"]) if row else 0.0
