"""The one way tools read FinOps data: a `DataSource`, scoped by the caller's `Principal`.

Two implementations answer the same contract: `SqlSource` (the embedded database) and
`HttpSource` (InfraZen's internal API at AGENT_INTERNAL_API_BASE, see internal_api.openapi.yaml).
Setting `agent_internal_api_base` selects HTTP; unset means SQL. Every tenant-scoped method takes
the principal, never a tenant id from a caller; an id of another tenant is `NotFound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ..auth import Principal
from ..runtime import Runtime
from .model import (
    CandidateQuery,
    CostBounds,
    CostSeries,
    GroupBy,
    PriceRow,
    Recommendation,
    Resource,
    SkuRef,
    Snapshot,
    UserContext,
)

SERVICE_KEY = "data_source"
# What one series read may span: a 366-day range, the same length before it (comparisons) and
# the anomaly lookback. Tools limit what a caller asks for to 366 days.
MAX_RANGE_DAYS = 2 * 366 + 60
MAX_SKUS = 20


class DataSource(Protocol):
    kind: str

    async def user_context(self, principal: Principal) -> UserContext: ...

    async def resource(self, principal: Principal, resource_id: int) -> Resource: ...

    async def latest_snapshot(self, principal: Principal, resource_id: int) -> Snapshot: ...

    async def prices_for_skus(self, principal: Principal, skus: Sequence[SkuRef]) -> list[PriceRow]: ...

    async def price_candidates(self, principal: Principal, query: CandidateQuery) -> list[PriceRow]: ...

    async def recommendation(self, principal: Principal, recommendation_id: int) -> Recommendation: ...

    async def recommendations(
        self,
        principal: Principal,
        *,
        statuses: Sequence[str] | None = None,
        rec_type: str | None = None,
        resource_id: int | None = None,
        limit: int = 20,
    ) -> list[Recommendation]: ...

    async def cost_bounds(self, principal: Principal) -> CostBounds: ...

    async def cost_series(self, principal: Principal, start: date, end: date, group_by: GroupBy) -> CostSeries: ...


def get_source(runtime: Runtime) -> DataSource:
    """The process's source, built once (the HTTP one keeps a connection pool)."""
    source = runtime.services.get(SERVICE_KEY)
    if source is None:
        if runtime.settings.agent_internal_api_base:
            from .http_source import HttpSource

            source = HttpSource(runtime.settings)
        else:
            from .sql_source import SqlSource

            source = SqlSource(runtime)
        runtime.services[SERVICE_KEY] = source
    return source  # type: ignore[no-any-return]
