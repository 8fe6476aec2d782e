"""Loading the price catalog and the demo dataset into Postgres (COPY), and describing what is
loaded (`demo_summary`, printed by `infrazen-agent demo`).

Loading is idempotent: it runs under an advisory lock and does nothing when tenants exist unless
asked to reset, so several replicas starting at once seed once.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from .catalog import CATALOG_VERSION, build_catalog
from .demo import (
    DEFAULT_SEED,
    DEMO_TENANTS,
    IdAllocator,
    TenantData,
    TenantPlan,
    bench_tenant,
    daily_rows,
    generate_tenant,
)
from .model import REC_TYPES

log = logging.getLogger("infrazen_agent.data.loader")
_SEED_LOCK = 7_420_003
_DATA_TABLES = (
    "cost_daily_rollup",
    "cost_daily",
    "recommendations",
    "utilization_snapshots",
    "resources",
    "provider_connections",
    "users",
    "tenants",
    "price_catalog",
)


@dataclass
class SeedReport:
    seeded: bool
    tenants: int = 0
    resources: int = 0
    recommendations: int = 0
    cost_rows: int = 0
    catalog_rows: int = 0
    seconds: float = 0.0
    end_day: str | None = None
    reason: str | None = None
    anomalies: list[dict[str, Any]] = field(default_factory=list)


async def has_data(conn: psycopg.AsyncConnection[Any]) -> bool:
    cur = await conn.execute("SELECT EXISTS (SELECT 1 FROM tenants)")
    row = await cur.fetchone()
    return bool(row[0]) if row else False


async def load_catalog(conn: psycopg.AsyncConnection[Any]) -> int:
    """Replace the catalog with this build's version (one version is current at a time)."""
    rows = build_catalog()
    await conn.execute("DELETE FROM price_catalog")
    async with conn.cursor().copy(
        "COPY price_catalog (kind, provider, sku, region, geo, service, vcpu, ram_gb, disk_gb, disk_type,"
        " cpu_class, billing_unit, monthly_price, currency, unit_prices, source, version) FROM STDIN"
    ) as copy:
        for r in rows:
            s = r.spec
            await copy.write_row(
                (
                    r.kind,
                    r.provider,
                    r.sku,
                    r.region,
                    r.geo,
                    r.service,
                    s.vcpu,
                    s.ram_gb,
                    s.disk_gb,
                    s.disk_type,
                    s.cpu_class,
                    r.billing_unit,
                    r.monthly_price,
                    r.currency,
                    json.dumps([u.model_dump() for u in r.unit_prices]),
                    r.source,
                    r.version,
                )
            )
    return len(rows)


async def _load_tenant(conn: psycopg.AsyncConnection[Any], data: TenantData) -> int:
    plan = data.plan
    await conn.execute(
        "INSERT INTO tenants (id, name, currency) VALUES (%s, %s, %s)", (plan.id, plan.name, plan.currency)
    )
    for u in plan.users:
        await conn.execute(
            "INSERT INTO users (id, tenant_id, email, name, role, language, currency, timezone, is_demo)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (u.id, plan.id, u.email, u.name, u.role, u.language, plan.currency, u.timezone, u.is_demo),
        )
    for c in data.connections:
        await conn.execute(
            "INSERT INTO provider_connections (id, tenant_id, provider, name, status, last_sync_at, created_at)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s)",
            (c["id"], plan.id, c["provider"], c["name"], c["status"], c["last_sync_at"], c["created_at"]),
        )
    cur = conn.cursor()
    async with cur.copy(
        "COPY resources (id, tenant_id, connection_id, provider, external_id, name, resource_type, service, region,"
        " geo, status, vcpu, ram_gb, disk_gb, disk_type, cpu_class, nodes, sku, monthly_cost, currency, tags,"
        " created_at, updated_at) FROM STDIN"
    ) as copy:
        for p in data.resources:
            r, s = p.resource, p.resource.spec
            await copy.write_row(
                (
                    r.id,
                    plan.id,
                    r.connection_id,
                    r.provider,
                    f"{r.provider}-{r.id:08x}",
                    r.name,
                    r.resource_type,
                    r.service,
                    r.region,
                    r.geo,
                    r.status,
                    s.vcpu,
                    s.ram_gb,
                    s.disk_gb,
                    s.disk_type,
                    s.cpu_class,
                    s.nodes,
                    r.sku,
                    r.monthly_cost,
                    r.currency,
                    json.dumps(r.tags),
                    r.created_at,
                    r.updated_at,
                )
            )
    async with cur.copy(
        "COPY utilization_snapshots (tenant_id, resource_id, taken_at, window_days, status, cpu_avg_pct, cpu_p95_pct,"
        " ram_avg_pct, ram_p95_pct, net_in_gb, net_out_gb, state_changes) FROM STDIN"
    ) as copy:
        for sn in data.snapshots:
            changes = json.dumps([c.model_dump(mode="json") for c in sn.state_changes])
            await copy.write_row(
                (
                    plan.id,
                    sn.resource_id,
                    sn.taken_at,
                    sn.window_days,
                    sn.status,
                    sn.cpu_avg_pct,
                    sn.cpu_p95_pct,
                    sn.ram_avg_pct,
                    sn.ram_p95_pct,
                    sn.net_in_gb,
                    sn.net_out_gb,
                    changes,
                )
            )
    now = datetime.combine(data.end, datetime.min.time(), tzinfo=UTC)
    async with cur.copy(
        "COPY recommendations (id, tenant_id, resource_id, rec_type, category, status, severity, title,"
        " current_monthly, target_monthly, savings_monthly, currency, target_provider, target_sku, target_region,"
        " target_quantity, confidence, rule, evidence, created_at, updated_at) FROM STDIN"
    ) as copy:
        for rec_id, status, d in data.recommendations:
            await copy.write_row(
                (
                    rec_id,
                    plan.id,
                    d.resource_id,
                    d.rec_type,
                    d.category,
                    status,
                    d.severity,
                    d.title,
                    d.current_monthly,
                    d.target_monthly,
                    d.savings_monthly,
                    d.currency,
                    d.target_provider,
                    d.target_sku,
                    d.target_region,
                    d.target_quantity,
                    d.confidence,
                    d.rule,
                    json.dumps(d.evidence, ensure_ascii=False),
                    now,
                    now,
                )
            )
    rows = 0
    async with cur.copy(
        "COPY cost_daily (tenant_id, resource_id, day, provider, service, amount, currency) FROM STDIN"
    ) as copy:
        tenant, currency = plan.id, plan.currency
        # Text lines in big chunks: the large dataset is millions of rows.
        buf: list[str] = []
        for rid, day, provider, service, amount in daily_rows(data):
            buf.append(f"{tenant}\t{rid}\t{day.isoformat()}\t{provider}\t{service}\t{amount:.4f}\t{currency}\n")
            if len(buf) >= 20_000:
                await copy.write("".join(buf))
                rows += len(buf)
                buf.clear()
        if buf:
            await copy.write("".join(buf))
            rows += len(buf)
    await conn.execute(
        "INSERT INTO cost_daily_rollup (tenant_id, day, provider, service, amount, currency, resources)"
        " SELECT tenant_id, day, provider, service, sum(amount), currency, count(*) FROM cost_daily"
        " WHERE tenant_id = %s GROUP BY tenant_id, day, provider, service, currency",
        (plan.id,),
    )
    data.cost_rows = rows
    return rows


async def seed_database(
    conninfo: str,
    *,
    seed: int = DEFAULT_SEED,
    end_day: date | None = None,
    extra_tenants: int = 0,
    min_cost_rows: int = 0,
    reset: bool = False,
    only_if_empty: bool = True,
) -> SeedReport:
    """Load the catalog and the demo tenants (plus `extra_tenants` synthetic ones, or as many as it
    takes to reach `min_cost_rows`). Does nothing when data exists, unless `reset`."""
    t0 = time.perf_counter()
    end = end_day or datetime.now(UTC).date()
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_SEED_LOCK,))
        try:
            if not reset and only_if_empty and await has_data(conn):
                return SeedReport(seeded=False, reason="data present (use --reset to replace it)")
            report = SeedReport(seeded=True, end_day=end.isoformat())
            ids = IdAllocator()
            async with conn.transaction():
                if reset:  # in the same transaction: a failed load leaves the old data in place
                    await conn.execute(f"TRUNCATE {', '.join(_DATA_TABLES)} CASCADE")
                report.catalog_rows = await load_catalog(conn)
                for plan in DEMO_TENANTS:
                    await _account(report, conn, plan, seed, end, ids)
            index = 0
            while index < extra_tenants or (min_cost_rows and report.cost_rows < min_cost_rows):
                index += 1
                async with conn.transaction():  # one tenant per transaction: millions of rows
                    await _account(report, conn, bench_tenant(index), seed, end, ids)
            await conn.execute("ANALYZE")
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SEED_LOCK,))
    report.seconds = round(time.perf_counter() - t0, 3)
    log.info(
        "demo dataset loaded",
        extra={"tenants": report.tenants, "cost_rows": report.cost_rows, "seconds": report.seconds},
    )
    return report


async def _account(
    report: SeedReport, conn: psycopg.AsyncConnection[Any], plan: TenantPlan, seed: int, end: date, ids: IdAllocator
) -> None:
    data = generate_tenant(plan, seed=seed, end_day=end, ids=ids)
    report.cost_rows += await _load_tenant(conn, data)
    report.tenants += 1
    report.resources += len(data.resources)
    report.recommendations += len(data.recommendations)
    if plan in DEMO_TENANTS:
        report.anomalies.extend({"tenant_id": plan.id, **a, "day": a["day"].isoformat()} for a in data.anomalies)


async def demo_summary(conninfo: str, *, per_type: int = 3) -> dict[str, Any]:
    """Tenants, their users, and per tenant a few resource and recommendation ids of each type."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True, row_factory=dict_row) as conn:
        tenants = await (
            await conn.execute(
                "SELECT id, name, currency FROM tenants WHERE id NOT LIKE 'bench-%%' ORDER BY created_at, id"
            )
        ).fetchall()
        out: list[dict[str, Any]] = []
        for t in tenants:
            users = await (
                await conn.execute(
                    "SELECT id, email, name, role, language, currency, is_demo FROM users"
                    " WHERE tenant_id = %s ORDER BY id",
                    (t["id"],),
                )
            ).fetchall()
            res_rows = await (
                await conn.execute(
                    "SELECT resource_type, (array_agg(id ORDER BY id))[1:%s] AS ids, count(*) AS n FROM resources"
                    " WHERE tenant_id = %s GROUP BY resource_type ORDER BY resource_type",
                    (per_type, t["id"]),
                )
            ).fetchall()
            rec_rows = await (
                await conn.execute(
                    "SELECT rec_type, (array_agg(id ORDER BY savings_monthly DESC, id))[1:%s] AS ids, count(*) AS n"
                    " FROM recommendations WHERE tenant_id = %s GROUP BY rec_type ORDER BY rec_type",
                    (per_type, t["id"]),
                )
            ).fetchall()
            bounds = await (
                await conn.execute(
                    "SELECT min(day) AS first, max(day) AS last FROM cost_daily_rollup WHERE tenant_id = %s", (t["id"],)
                )
            ).fetchone()
            recs = {r["rec_type"]: {"count": r["n"], "ids": r["ids"]} for r in rec_rows}
            out.append(
                {
                    **t,
                    "users": users,
                    "resources": {r["resource_type"]: {"count": r["n"], "ids": r["ids"]} for r in res_rows},
                    "recommendations": {k: recs.get(k, {"count": 0, "ids": []}) for k in REC_TYPES},
                    "cost_days": {
                        "from": bounds and bounds["first"] and bounds["first"].isoformat(),
                        "to": bounds and bounds["last"] and bounds["last"].isoformat(),
                    },
                }
            )
        version = await (await conn.execute("SELECT min(version) AS v, count(*) AS n FROM price_catalog")).fetchone()
    return {
        "tenants": out,
        "price_catalog": {
            "version": version and version["v"],
            "rows": version and version["n"],
            "expected_version": CATALOG_VERSION,
        },
    }
