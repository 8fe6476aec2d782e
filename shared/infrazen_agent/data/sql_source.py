"""`DataSource` over the embedded Postgres. Every tenant-scoped statement filters by the
principal's tenant; the catalog is global (public prices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..auth import Principal
from ..batching import Batcher
from ..errors import InvalidInput, NotFound
from ..runtime import Runtime
from .model import (
    OPEN_STATUSES,
    CandidateQuery,
    Connection,
    CostBounds,
    CostSeries,
    GroupBy,
    InventoryLine,
    PriceRow,
    Recommendation,
    Resource,
    SkuRef,
    Snapshot,
    Spec,
    TenantInfo,
    UserContext,
    UserInfo,
)
from .source import MAX_RANGE_DAYS, MAX_SKUS

_RESOURCE_SQL = (
    "SELECT r.*, c.name AS connection_name FROM resources r"
    " JOIN provider_connections c ON c.tenant_id = r.tenant_id AND c.id = r.connection_id"
    " WHERE r.tenant_id = %s AND r.id = %s"
)
_REC_COLUMNS = (
    "id, resource_id, rec_type, category, status, severity, title, current_monthly, target_monthly, savings_monthly,"
    " currency, target_provider, target_sku, target_region, target_quantity, confidence, rule, evidence, created_at,"
    " updated_at"
)
# The recommendation with, in the same statement, the resource it is about (the tools that read
# one read the other next): the resource's columns come back as "resource.<name>".
_RESOURCE_COLUMNS = (
    "id, name, provider, connection_id, resource_type, service, region, geo, status, vcpu, ram_gb, disk_gb,"
    " disk_type, cpu_class, nodes, sku, monthly_cost, currency, tags, created_at, updated_at"
)
_REC_WITH_RESOURCE_SQL = (
    'SELECT rec.tenant_id AS "asked.tenant", '
    + ", ".join(f"rec.{c}" for c in _REC_COLUMNS.split(", "))
    + ", "
    + ", ".join(f'r.{c} AS "resource.{c}"' for c in _RESOURCE_COLUMNS.split(", "))
    + ', c.name AS "resource.connection_name"'
    # Each asked (tenant, id) pair finds only its own tenant's recommendation and resource: the
    # concurrent reads of several tenants share the statement (batching.py), never their rows.
    " FROM unnest(%s::text[], %s::bigint[]) AS asked(tenant_id, id)"
    " JOIN recommendations rec ON rec.tenant_id = asked.tenant_id AND rec.id = asked.id"
    " LEFT JOIN resources r ON r.tenant_id = rec.tenant_id AND r.id = rec.resource_id"
    " LEFT JOIN provider_connections c ON c.tenant_id = r.tenant_id AND c.id = r.connection_id"
)
_RESOURCE_PREFIX = "resource."
_PRICE_COLUMNS = (
    "kind, provider, sku, region, geo, service, vcpu, ram_gb, disk_gb, disk_type, cpu_class, billing_unit,"
    " monthly_price, currency, unit_prices, source, version"
)
_GROUPS: dict[str, tuple[str, str]] = {  # group_by -> (select list, group list)
    "total": ("NULL::text AS provider, NULL::text AS service", "day"),
    "provider": ("provider, NULL::text AS service", "day, provider"),
    "service": ("NULL::text AS provider, service", "day, service"),
    "provider_service": ("provider, service", "day, provider, service"),
}


def _num(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _spec(row: dict[str, Any]) -> Spec:
    return Spec(
        vcpu=row["vcpu"],
        ram_gb=_num(row["ram_gb"]),
        disk_gb=row["disk_gb"],
        disk_type=row["disk_type"],
        cpu_class=row["cpu_class"],
        nodes=row.get("nodes") or 1,
    )


def resource_from_row(row: dict[str, Any]) -> Resource:
    return Resource(
        id=row["id"],
        name=row["name"],
        provider=row["provider"],
        connection_id=row["connection_id"],
        connection_name=row["connection_name"],
        resource_type=row["resource_type"],
        service=row["service"],
        region=row["region"],
        geo=row["geo"],
        status=row["status"],
        spec=_spec(row),
        sku=row["sku"],
        monthly_cost=_num(row["monthly_cost"]),
        currency=row["currency"],
        tags=row["tags"] or {},
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def price_from_row(row: dict[str, Any]) -> PriceRow:
    return PriceRow(
        kind=row["kind"],
        provider=row["provider"],
        sku=row["sku"],
        region=row["region"],
        geo=row["geo"],
        service=row["service"],
        spec=_spec(row),
        billing_unit=row["billing_unit"],
        monthly_price=_num(row["monthly_price"]),
        currency=row["currency"],
        unit_prices=row["unit_prices"],
        source=row["source"],
        version=row["version"],
    )


def recommendation_from_row(row: dict[str, Any]) -> Recommendation:
    return Recommendation.model_validate({k: _num(v) for k, v in row.items()})


def check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput("the time range starts after it ends")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"the time range is longer than {MAX_RANGE_DAYS} days")


def check_skus(skus: Sequence[SkuRef]) -> None:
    if not skus:
        raise InvalidInput("give at least one SKU")
    if len(skus) > MAX_SKUS:
        raise InvalidInput(f"at most {MAX_SKUS} SKUs per request")


class SqlSource:
    kind = "sql"

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._recs_with_resource: Batcher[tuple[str, int], tuple[Recommendation, Resource | None] | None] = Batcher(
            "recommendation reads", self._read_recs_with_resource
        )

    async def _all(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        async with self.runtime.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()  # type: ignore[return-value]

    async def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def user_context(self, principal: Principal) -> UserContext:
        tenant_id = principal.tenant_id
        async with self.runtime.pool.connection() as conn:
            tenant = await (
                await conn.execute("SELECT id, name, currency FROM tenants WHERE id = %s", (tenant_id,))
            ).fetchone()
            if tenant is None:
                raise NotFound("no FinOps data for this tenant")
            user = await (
                await conn.execute(
                    "SELECT id, name, email, role, language, currency, timezone, is_demo FROM users"
                    " WHERE tenant_id = %s AND id = %s",
                    (tenant_id, principal.user_id),
                )
            ).fetchone()
            conns = await (
                await conn.execute(
                    "SELECT id, provider, name, status, last_sync_at FROM provider_connections WHERE tenant_id = %s"
                    " ORDER BY id",
                    (tenant_id,),
                )
            ).fetchall()
            inventory = await (
                await conn.execute(
                    "SELECT resource_type, count(*) AS count, sum(monthly_cost) AS monthly_cost FROM resources"
                    " WHERE tenant_id = %s GROUP BY resource_type ORDER BY sum(monthly_cost) DESC, resource_type",
                    (tenant_id,),
                )
            ).fetchall()
            recs = await (
                await conn.execute(
                    # Two recommendations on one resource (move and downsize) do not add up:
                    # the total counts the larger saving per resource, like summarize_top_recommendations.
                    "SELECT coalesce(sum(n), 0) AS n, coalesce(sum(best), 0) AS savings FROM ("
                    " SELECT count(*) AS n, max(savings_monthly) AS best FROM recommendations"
                    " WHERE tenant_id = %s AND status = ANY(%s) GROUP BY resource_id) per_resource",
                    (tenant_id, list(OPEN_STATUSES)),
                )
            ).fetchone()
            bounds = await (
                await conn.execute(
                    "SELECT min(day) AS first, max(day) AS last FROM cost_daily_rollup WHERE tenant_id = %s",
                    (tenant_id,),
                )
            ).fetchone()
        assert recs is not None and bounds is not None
        return UserContext(
            tenant=TenantInfo.model_validate(tenant),
            user=UserInfo.model_validate(user) if user else None,
            connections=[Connection.model_validate(c) for c in conns],
            inventory=[
                InventoryLine(resource_type=i["resource_type"], count=i["count"], monthly_cost=_num(i["monthly_cost"]))
                for i in inventory
            ],
            open_recommendations=recs["n"],
            open_savings_monthly=_num(recs["savings"]),
            data_from=bounds["first"],
            data_to=bounds["last"],
        )

    async def resource(self, principal: Principal, resource_id: int) -> Resource:
        row = await self._one(_RESOURCE_SQL, (principal.tenant_id, resource_id))
        if row is None:
            raise NotFound(f"resource {resource_id} not found")
        return resource_from_row(row)

    async def latest_snapshot(self, principal: Principal, resource_id: int) -> Snapshot:
        row = await self._one(
            "SELECT resource_id, taken_at, window_days, status, cpu_avg_pct, cpu_p95_pct, ram_avg_pct, ram_p95_pct,"
            " net_in_gb, net_out_gb, state_changes FROM utilization_snapshots"
            " WHERE tenant_id = %s AND resource_id = %s ORDER BY taken_at DESC LIMIT 1",
            (principal.tenant_id, resource_id),
        )
        if row is None:
            raise NotFound(f"no utilisation snapshot for resource {resource_id}")
        return Snapshot.model_validate({k: _num(v) for k, v in row.items()})

    async def prices_for_skus(self, principal: Principal, skus: Sequence[SkuRef]) -> list[PriceRow]:
        check_skus(skus)
        rows = await self._all(
            f"SELECT {_PRICE_COLUMNS} FROM price_catalog p"
            " JOIN unnest(%s::text[], %s::text[]) AS q(provider, sku) USING (provider, sku)"
            " ORDER BY p.provider, p.sku",
            ([s.provider for s in skus], [s.sku for s in skus]),
        )
        return [price_from_row(r) for r in rows]

    async def price_candidates(self, principal: Principal, query: CandidateQuery) -> list[PriceRow]:
        where = ["kind = %s", "service = %s", "geo = %s", "currency = %s"]
        params: list[Any] = [query.kind, query.service, query.geo, query.currency]
        optional = (
            ("cpu_class = %s", query.cpu_class),
            ("provider <> %s", query.exclude_provider),
            ("provider = %s", query.provider),
            ("vcpu >= %s", query.min_vcpu),
            ("vcpu <= %s", query.max_vcpu),
            ("ram_gb >= %s", query.min_ram_gb),
            ("ram_gb <= %s", query.max_ram_gb),
            ("disk_gb >= %s", query.min_disk_gb),
            ("disk_type = ANY(%s)", query.disk_types),
        )
        for clause, value in optional:
            if value is not None:
                where.append(clause)
                params.append(value)
        params.append(query.limit)
        rows = await self._all(
            f"SELECT {_PRICE_COLUMNS} FROM price_catalog WHERE {' AND '.join(where)}"
            " ORDER BY monthly_price, provider, sku LIMIT %s",
            params,
        )
        return [price_from_row(r) for r in rows]

    async def recommendation(self, principal: Principal, recommendation_id: int) -> Recommendation:
        row = await self._one(
            f"SELECT {_REC_COLUMNS} FROM recommendations WHERE tenant_id = %s AND id = %s",
            (principal.tenant_id, recommendation_id),
        )
        if row is None:
            raise NotFound(f"recommendation {recommendation_id} not found")
        return recommendation_from_row(row)

    async def recommendation_with_resource(
        self, principal: Principal, recommendation_id: int
    ) -> tuple[Recommendation, Resource | None]:
        """`recommendation` and its resource in one statement, shared with the process's other
        reads of this kind under way (a burst's tool calls). The resource is None where `resource`
        would not find it (not the tenant's, or without its connection): a caller that needs it
        reads it on its own and gets the same not-found as always."""
        if not 0 < recommendation_id < 2**63:  # no such id (and outside the array's bigint)
            raise NotFound(f"recommendation {recommendation_id} not found")
        found = await self._recs_with_resource.submit((principal.tenant_id, recommendation_id))
        if found is None:
            raise NotFound(f"recommendation {recommendation_id} not found")
        return found

    async def _read_recs_with_resource(
        self, asked: Sequence[tuple[str, int]]
    ) -> list[tuple[Recommendation, Resource | None] | None]:
        rows = await self._all(_REC_WITH_RESOURCE_SQL, ([t for t, _ in asked], [i for _, i in asked]))
        cut = len(_RESOURCE_PREFIX)
        by_key: dict[tuple[str, int], tuple[Recommendation, Resource | None]] = {}
        for row in rows:
            tenant = row.pop("asked.tenant")
            rec = {k: v for k, v in row.items() if not k.startswith(_RESOURCE_PREFIX)}
            res = {k[cut:]: v for k, v in row.items() if k.startswith(_RESOURCE_PREFIX)}
            joined = res["id"] is not None and res["connection_name"] is not None
            by_key[(tenant, rec["id"])] = (recommendation_from_row(rec), resource_from_row(res) if joined else None)
        return [by_key.get(key) for key in asked]

    async def recommendations(
        self,
        principal: Principal,
        *,
        statuses: Sequence[str] | None = None,
        rec_type: str | None = None,
        resource_id: int | None = None,
        limit: int = 20,
    ) -> list[Recommendation]:
        where: list[str] = ["tenant_id = %s"]
        params: list[Any] = [principal.tenant_id]
        for clause, value in (
            ("status = ANY(%s)", list(statuses) if statuses else None),
            ("rec_type = %s", rec_type),
            ("resource_id = %s", resource_id),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        params.append(max(1, min(limit, 500)))
        rows = await self._all(
            f"SELECT {_REC_COLUMNS} FROM recommendations WHERE {' AND '.join(where)}"
            " ORDER BY savings_monthly DESC, id LIMIT %s",
            params,
        )
        return [recommendation_from_row(r) for r in rows]

    async def cost_bounds(self, principal: Principal) -> CostBounds:
        row = await self._one(
            "SELECT t.currency, min(r.day) AS first_day, max(r.day) AS last_day FROM tenants t"
            " LEFT JOIN cost_daily_rollup r ON r.tenant_id = t.id WHERE t.id = %s GROUP BY t.currency",
            (principal.tenant_id,),
        )
        if row is None:
            raise NotFound("no FinOps data for this tenant")
        return CostBounds.model_validate(row)

    async def cost_series(self, principal: Principal, start: date, end: date, group_by: GroupBy) -> CostSeries:
        check_range(start, end)
        if group_by not in _GROUPS:
            raise InvalidInput(f"group_by must be one of {', '.join(_GROUPS)}")
        tenant = await self._one("SELECT currency FROM tenants WHERE id = %s", (principal.tenant_id,))
        if tenant is None:
            raise NotFound("no FinOps data for this tenant")
        select, group = _GROUPS[group_by]
        rows = await self._all(
            f"SELECT day, {select}, round(sum(amount), 4)::float8 AS amount FROM cost_daily_rollup"
            f" WHERE tenant_id = %s AND day BETWEEN %s AND %s GROUP BY {group} ORDER BY {group}",
            (principal.tenant_id, start, end),
        )
        return CostSeries(
            start=start,
            end=end,
            group_by=group_by,
            currency=tenant["currency"],
            days=[r["day"] for r in rows],
            providers=[r["provider"] for r in rows],
            services=[r["service"] for r in rows],
            amounts=[r["amount"] for r in rows],
        )
