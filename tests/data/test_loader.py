"""The demo dataset: deterministic, realistic in shape, loaded once, and described by
`demo_summary` (what `infrazen-agent demo` prints)."""

from __future__ import annotations

import psycopg
import pytest

from infrazen_agent.data.demo import DEMO_TENANTS, IdAllocator, daily_rows, generate_tenant
from infrazen_agent.data.loader import seed_database
from infrazen_agent.data.model import REC_TYPES
from tests.support.data_fixtures import DEMO_END_DAY, MAIN_TENANT, USD_TENANT, DemoIds


def test_generation_is_deterministic() -> None:
    plan = DEMO_TENANTS[1]
    a = generate_tenant(plan, seed=7, end_day=DEMO_END_DAY, ids=IdAllocator())
    b = generate_tenant(plan, seed=7, end_day=DEMO_END_DAY, ids=IdAllocator())
    c = generate_tenant(plan, seed=8, end_day=DEMO_END_DAY, ids=IdAllocator())
    assert [p.resource for p in a.resources] == [p.resource for p in b.resources]
    assert [r[2] for r in a.recommendations] == [r[2] for r in b.recommendations]
    assert list(daily_rows(a)) == list(daily_rows(b))
    assert [p.resource for p in a.resources] != [p.resource for p in c.resources]


def test_demo_dataset_shape(demo: DemoIds, seeded_db: str) -> None:
    report = demo.report
    assert report.tenants == 3 and 250 <= report.resources <= 400 and report.cost_rows > 40_000
    tenants = {t["id"]: t for t in demo.summary["tenants"]}
    assert set(tenants) == {"1001", "2002", "globex"}
    assert tenants[USD_TENANT]["currency"] == "USD" and tenants[MAIN_TENANT]["currency"] == "RUB"
    main = tenants[MAIN_TENANT]
    assert {u["id"] for u in main["users"]} >= {"1001", "demo"}  # legacy user_id=1001 tokens land here
    assert [u["id"] for u in main["users"] if u["is_demo"]] == ["demo"]
    for rec_type in REC_TYPES:
        assert main["recommendations"][rec_type]["count"] >= 1, rec_type
    assert main["cost_days"] == {"from": "2025-01-02", "to": "2025-06-30"}  # 180 days
    with psycopg.connect(seeded_db) as conn:
        # Every resource bills in its tenant's currency; savings obey the formula (a table CHECK).
        mixed = conn.execute(
            "SELECT count(*) FROM resources r JOIN tenants t ON t.id = r.tenant_id WHERE r.currency <> t.currency"
        ).fetchone()
        weekly = conn.execute(
            "SELECT extract(isodow FROM day) >= 6 AS weekend, avg(amount) FROM cost_daily_rollup"
            " WHERE tenant_id = %s AND service = 'managed-kubernetes' GROUP BY 1 ORDER BY 1",
            (MAIN_TENANT,),
        ).fetchall()
        rollup = conn.execute(
            "SELECT (SELECT sum(amount) FROM cost_daily) = (SELECT sum(amount) FROM cost_daily_rollup)"
        ).fetchone()
        growth = conn.execute(
            "SELECT sum(amount) FILTER (WHERE day > %s::date - 30), sum(amount) FILTER (WHERE day <= %s::date - 150)"
            " FROM cost_daily_rollup WHERE tenant_id = %s",
            (DEMO_END_DAY, DEMO_END_DAY, MAIN_TENANT),
        ).fetchone()
    assert mixed == (0,) and rollup == (True,)
    assert float(weekly[1][1]) < float(weekly[0][1]) * 0.95  # autoscaled clusters dip at weekends
    assert growth is not None and float(growth[0]) > float(growth[1]) * 1.05


async def test_seeding_is_idempotent_and_resettable(database_url: str) -> None:
    from infrazen_agent.db import migrate

    await migrate(database_url)
    first = await seed_database(database_url, end_day=DEMO_END_DAY)
    again = await seed_database(database_url, end_day=DEMO_END_DAY)
    assert first.seeded and not again.seeded and again.reason and "--reset" in again.reason
    reset = await seed_database(database_url, end_day=DEMO_END_DAY, reset=True, extra_tenants=1)
    assert reset.seeded and reset.tenants == 4 and reset.cost_rows > first.cost_rows
    with psycopg.connect(database_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM resources),"
            " (SELECT count(DISTINCT version) FROM price_catalog)"
        ).fetchone()
    assert counts == (4, reset.resources, 1)
    assert first.seconds < 5


@pytest.mark.parametrize("tenant", [MAIN_TENANT, USD_TENANT])
def test_resources_are_priced_from_the_catalog(tenant: str, seeded_db: str) -> None:
    with psycopg.connect(seeded_db) as conn:
        rows = conn.execute(
            "SELECT r.monthly_cost, p.monthly_price, r.nodes FROM resources r JOIN price_catalog p"
            " ON p.sku = r.sku WHERE r.tenant_id = %s AND r.status = 'running'",
            (tenant,),
        ).fetchall()
    assert rows
    for cost, price, nodes in rows:
        assert cost == price * (nodes if nodes else 1) or cost == price  # servers: one; clusters: per node × n
