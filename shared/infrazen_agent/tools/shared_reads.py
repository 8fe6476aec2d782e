"""Point reads shared by the tool calls of one batch (`ToolRegistry.call_many`).

`get_recommendation` and `estimate_migration_effort` run side by side for a text and both read the
same recommendation and resource. Within a batch each distinct point read (by id, for the batch's
one principal) goes to the source once and every tool awaits the same answer — or the same error,
so a missing id is `not_found` for each. The tools and their contracts do not change; list and
series reads are never shared. The memo lives as long as the batch, so nothing goes stale.
A source that can read a recommendation together with its resource (`SqlSource`) does, and the
resource is then already in the memo: a tool reading the one and then the other costs one statement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date
from typing import Any, TypeVar

from ..auth import Principal
from ..data.model import (
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
from ..data.source import DataSource

T = TypeVar("T")


class SharedReads:
    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    async def once(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        future = self._pending.get(key)
        if future is None:
            future = self._pending[key] = asyncio.ensure_future(read())
            # If every reader gave up (timeout, cancel), nobody awaits a failure: retrieve it here
            # so that it is not logged as "never retrieved"; the readers that remain still get it.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
        # Shielded: a tool that times out must not cancel the read another tool is waiting for.
        result: T = await asyncio.shield(future)
        return result

    def seed(self, key: Hashable, value: Any) -> None:
        """A read's answer that arrived with another read's: the batch's later reads of `key`
        take it (a read of `key` already under way keeps its own)."""
        if key not in self._pending:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(value)
            self._pending[key] = future

    def source(self, inner: DataSource) -> DataSource:
        return _SharingSource(inner, self)


def _key(method: str, principal: Principal, *args: Hashable) -> tuple[Hashable, ...]:
    # The principal is part of the key even though a batch has one: a read is never shared across tenants.
    return (method, principal.tenant_id, principal.user_id, *args)


class _SharingSource:
    """The batch's view of a source: point reads by id are shared, everything else passes through."""

    def __init__(self, inner: DataSource, reads: SharedReads) -> None:
        self._inner = inner
        self._reads = reads
        self.kind = inner.kind

    async def recommendation(self, principal: Principal, recommendation_id: int) -> Recommendation:
        joined = getattr(self._inner, "recommendation_with_resource", None)
        if joined is None:
            return await self._reads.once(
                _key("recommendation", principal, recommendation_id),
                lambda: self._inner.recommendation(principal, recommendation_id),
            )

        async def read() -> Recommendation:
            # A tool that reads a recommendation reads its resource next (effort, plan, texts):
            # one statement brings both, and the resource's read is then shared like any other.
            rec: Recommendation
            rec, resource = await joined(principal, recommendation_id)
            if resource is not None:
                self._reads.seed(_key("resource", principal, resource.id), resource)
            return rec

        return await self._reads.once(_key("recommendation", principal, recommendation_id), read)

    async def resource(self, principal: Principal, resource_id: int) -> Resource:
        return await self._reads.once(
            _key("resource", principal, resource_id), lambda: self._inner.resource(principal, resource_id)
        )

    async def latest_snapshot(self, principal: Principal, resource_id: int) -> Snapshot:
        return await self._reads.once(
            _key("snapshot", principal, resource_id), lambda: self._inner.latest_snapshot(principal, resource_id)
        )

    async def user_context(self, principal: Principal) -> UserContext:
        return await self._inner.user_context(principal)

    async def prices_for_skus(self, principal: Principal, skus: Sequence[SkuRef]) -> list[PriceRow]:
        return await self._inner.prices_for_skus(principal, skus)

    async def price_candidates(self, principal: Principal, query: CandidateQuery) -> list[PriceRow]:
        return await self._inner.price_candidates(principal, query)

    async def recommendations(
        self,
        principal: Principal,
        *,
        statuses: Sequence[str] | None = None,
        rec_type: str | None = None,
        resource_id: int | None = None,
        limit: int = 20,
    ) -> list[Recommendation]:
        return await self._inner.recommendations(
            principal, statuses=statuses, rec_type=rec_type, resource_id=resource_id, limit=limit
        )

    async def cost_bounds(self, principal: Principal) -> CostBounds:
        return await self._inner.cost_bounds(principal)

    async def cost_series(self, principal: Principal, start: date, end: date, group_by: GroupBy) -> CostSeries:
        return await self._inner.cost_series(principal, start, end, group_by)
