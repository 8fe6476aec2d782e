"""The SQL source directly: tenant scoping of every method, input checks, and the candidate query
agreeing with the engine's in-memory predicate."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.data.catalog import build_catalog
from infrazen_agent.data.equivalence import candidate_query, matches, sort_key
from infrazen_agent.data.model import SkuRef
from infrazen_agent.data.sql_source import SqlSource
from infrazen_agent.errors import InvalidInput, NotFound
from infrazen_agent.runtime import Runtime
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds

MAIN, SMALL = Principal("1001", MAIN_TENANT), Principal("2002", SMALL_TENANT)


async def test_every_tenant_scoped_read_is_scoped(seeded_runtime: Runtime, demo: DemoIds) -> None:
    src = SqlSource(seeded_runtime)
    rid = demo.resource(MAIN_TENANT, "server")
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    assert (await src.resource(MAIN, rid)).id == rid
    assert (await src.latest_snapshot(MAIN, rid)).resource_id == rid
    assert (await src.recommendation(MAIN, rec_id)).id == rec_id
    for call in (src.resource(SMALL, rid), src.latest_snapshot(SMALL, rid), src.recommendation(SMALL, rec_id)):
        with pytest.raises(NotFound):
            await call
    main_recs = await src.recommendations(MAIN, limit=500)
    small_recs = await src.recommendations(SMALL, limit=500)
    assert main_recs and small_recs and not {r.id for r in main_recs} & {r.id for r in small_recs}
    assert await src.recommendations(SMALL, resource_id=demo.resource(MAIN_TENANT, "reserved_ip")) == []
    end = date(2025, 6, 30)
    main_total = sum((await src.cost_series(MAIN, date(2025, 6, 1), end, "total")).amounts)
    small_total = sum((await src.cost_series(SMALL, date(2025, 6, 1), end, "total")).amounts)
    assert main_total > 5 * small_total > 0
    assert set((await src.cost_series(SMALL, date(2025, 6, 1), end, "provider")).providers) == {"selectel"}
    context = await src.user_context(SMALL)
    assert context.tenant.id == SMALL_TENANT and sum(i.count for i in context.inventory) == 40
    assert (await src.user_context(Principal("1001", MAIN_TENANT))).user is not None
    assert (await src.user_context(Principal("stranger", MAIN_TENANT))).user is None  # no other tenant's user


async def test_inputs_are_checked(seeded_runtime: Runtime) -> None:
    src = SqlSource(seeded_runtime)
    with pytest.raises(InvalidInput):
        await src.cost_series(MAIN, date(2025, 6, 2), date(2025, 6, 1), "total")
    with pytest.raises(InvalidInput):
        await src.cost_series(MAIN, date(2023, 1, 1), date(2025, 6, 1), "total")
    with pytest.raises(InvalidInput):
        await src.prices_for_skus(MAIN, [SkuRef(provider="a", sku=str(i)) for i in range(21)])
    assert await src.prices_for_skus(MAIN, [SkuRef(provider="selectel", sku="'; DROP TABLE tenants; --")]) == []


async def test_candidate_sql_matches_the_engine_predicate(seeded_runtime: Runtime, demo: DemoIds) -> None:
    src = SqlSource(seeded_runtime)
    catalog = build_catalog()
    for rtype in ("server", "postgresql-cluster", "redis-cluster", "kafka-cluster", "mysql-cluster"):
        for index in range(2):
            res = await src.resource(MAIN, demo.resource(MAIN_TENANT, rtype, index))
            for exact in (True, False):
                query = candidate_query(res, exact=exact, exclude_provider=res.provider, limit=200)
                via_sql = await src.price_candidates(MAIN, query)
                in_memory = sorted((r for r in catalog if matches(query, r)), key=sort_key)
                assert [r.sku for r in via_sql] == [r.sku for r in in_memory], (rtype, exact)


async def test_a_recommendation_comes_with_its_resource_in_one_statement(
    seeded_runtime: Runtime, demo: DemoIds
) -> None:
    src = SqlSource(seeded_runtime)
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    rec, res = await src.recommendation_with_resource(MAIN, rec_id)
    assert rec == await src.recommendation(MAIN, rec_id)
    assert res is not None and res == await src.resource(MAIN, rec.resource_id)
    with pytest.raises(NotFound):
        await src.recommendation_with_resource(SMALL, rec_id)  # another tenant's: not found, nothing joined
    for absurd in (0, -1, 2**63, 10**30):  # ids no row has: the same not-found, not a database error
        with pytest.raises(NotFound):
            await src.recommendation_with_resource(MAIN, absurd)
    # Concurrent reads of two tenants share a statement and get only their own rows.
    small_type = next(t for t, v in demo.tenant(SMALL_TENANT)["recommendations"].items() if v["ids"])
    small_rec = demo.recommendation(SMALL_TENANT, small_type)
    both = await asyncio.gather(
        src.recommendation_with_resource(MAIN, rec_id),
        src.recommendation_with_resource(SMALL, small_rec),
        src.recommendation_with_resource(SMALL, rec_id),
        src.recommendation_with_resource(MAIN, small_rec),
        return_exceptions=True,
    )
    assert both[0] == (rec, res) and isinstance(both[2], NotFound) and isinstance(both[3], NotFound)
    small = both[1]
    assert isinstance(small, tuple) and small[0].id == small_rec and small[1] is not None
    assert small[1] == await src.resource(SMALL, small[0].resource_id)
    # A recommendation that names another tenant's resource (a hostile or broken import): that
    # resource does not come along, and reading it on its own is the usual not-found.
    foreign = demo.resource(SMALL_TENANT, "server")
    async with seeded_runtime.pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO recommendations (id, tenant_id, resource_id, rec_type, category, status, severity, title,"
            " current_monthly, target_monthly, savings_monthly, currency, confidence, rule, evidence,"
            " created_at, updated_at)"
            " SELECT 990001, tenant_id, %s, rec_type, category, status, severity, title, current_monthly,"
            " target_monthly, savings_monthly, currency, confidence, rule, evidence, created_at, updated_at"
            " FROM recommendations WHERE id = %s RETURNING id",
            (foreign, rec_id),
        )
        assert await cur.fetchone() is not None
    odd, none = await src.recommendation_with_resource(MAIN, 990001)
    assert odd.resource_id == foreign and none is None
    with pytest.raises(NotFound):
        await src.resource(MAIN, foreign)
