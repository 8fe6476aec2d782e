"""Gauges read fresh at each scrape of `/metrics`: the dependencies' state and the day's LLM
spend of the biggest spenders against the tenant daily cap.

Both are the same for every replica (they are read from Postgres, Redis and storage, not counted
in the process), so a replica that served nothing still reports them, and dashboards take the
`max` over replicas. The tenant label is bounded: the AGENT_METRICS_TENANTS biggest spenders of
the current UTC day, read from one Redis sorted set (llm/budget.py keeps it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .runtime import Runtime

log = logging.getLogger("infrazen_agent.metrics")

DEPENDENCIES_EVERY_S = 10.0  # scrapes closer together reuse the last dependency checks


class BudgetGauges(Collector):
    """`agent_llm_budget_spent_usd{tenant}` and `agent_llm_budget_cap_usd`, from the last refresh."""

    def __init__(self) -> None:
        self.spent: list[tuple[str, float]] = []
        self.cap_usd: float | None = None

    def collect(self) -> Iterator[Metric]:
        spent = GaugeMetricFamily(
            "agent_llm_budget_spent_usd",
            "LLM spend today (UTC) of the day's biggest spenders, in USD",
            labels=["tenant"],
        )
        for tenant, value in self.spent:
            spent.add_metric([tenant], value)
        yield spent
        if self.cap_usd is not None:
            yield GaugeMetricFamily(
                "agent_llm_budget_cap_usd", "Tenant daily LLM budget in USD (0: no cap)", value=self.cap_usd
            )


BUDGET = BudgetGauges()
_last_dependencies = 0.0


async def refresh(runtime: Runtime) -> None:
    """Bring the gauges up to date; a failure leaves them as they were (and is logged)."""
    global _last_dependencies
    if not runtime.started:
        return
    settings = runtime.settings
    timeout = settings.ready_check_timeout_s
    BUDGET.cap_usd = settings.tenant_daily_budget_usd
    if settings.agent_metrics_tenants > 0:
        from .llm.budget import spenders_key

        try:
            top = runtime.redis.zrevrange(
                spenders_key(time.time()), 0, settings.agent_metrics_tenants - 1, withscores=True
            )
            rows: list[tuple[Any, Any]] = await asyncio.wait_for(top, timeout)  # type: ignore[arg-type]
            BUDGET.spent = [(_text(tenant), float(score)) for tenant, score in rows]
        except Exception:  # Redis away: agent_dependency_up says so
            log.debug("budget gauges not refreshed", exc_info=True)
    if time.monotonic() - _last_dependencies >= DEPENDENCIES_EVERY_S:
        from .readiness import dependency_checks

        _last_dependencies = time.monotonic()
        await dependency_checks(runtime)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
