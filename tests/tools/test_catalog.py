"""The read-only catalog as the agent calls it, on both sources: the same answers through SQL and
through the internal API's reference server, ids of another tenant are not found (and leak no
data), and the numbers agree across tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.data.model import REC_TYPES
from infrazen_agent.data.source import get_source
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, ToolResult, get_registry
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, USD_TENANT, DemoIds

Args = Callable[[DemoIds], dict[str, Any]]

CASES: list[tuple[str, Args]] = [
    ("get_user_context", lambda d: {}),
    ("get_resource", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server")}),
    ("get_latest_snapshot", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server")}),
    ("list_top_alternatives", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server"), "limit": 5}),
    ("list_top_alternatives", lambda d: {"resource_id": d.resource(MAIN_TENANT, "postgresql-cluster")}),
    (
        "get_prices_for_skus",
        lambda d: {
            "skus": [
                {"provider": "selectel", "sku": "sel.standard.2c4g.ssd40.ru-2"},
                {"provider": "yandex", "sku": "yc.redis.2c8g.ru-central1"},
                {"provider": "beget", "sku": "no-such-sku"},
            ]
        },
    ),
    ("get_recommendation", lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "cross_provider_dbaas")}),
    ("get_analytics_overview", lambda d: {"days": 30}),
    ("get_cost_trends", lambda d: {"days": 90, "group_by": "service"}),
    ("get_service_breakdown", lambda d: {"days": 30}),
    ("get_provider_breakdown", lambda d: {"start": "2025-04-01", "end": "2025-04-30"}),
    ("get_anomalies", lambda d: {"days": 180}),
    ("summarize_top_recommendations", lambda d: {"limit": 5}),
    ("forecast_costs", lambda d: {"history_days": 90}),
    (
        "estimate_migration_effort",
        lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "cross_provider_server")},
    ),
    ("generate_step_plan", lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "stopped_server")}),
]


def ctx_for(runtime: Runtime, tenant: str = MAIN_TENANT, user: str | None = None) -> ToolContext:
    return ToolContext(
        runtime=runtime, principal=Principal(user_id=user or tenant, tenant_id=tenant), request_id="req-test"
    )


async def call(runtime: Runtime, name: str, args: dict[str, Any], tenant: str = MAIN_TENANT) -> ToolResult:
    return await get_registry().call(name, args, ctx_for(runtime, tenant))


def test_catalog_has_every_tool() -> None:
    reads = [t.name for t in get_registry().tools() if t.scope == "read"]
    # reconcile_screenshot reads an upload, not the data source alone: tests/screenshots/ covers it;
    # search_knowledge reads the knowledge store: tests/knowledge/ covers it.
    assert set(reads) - {"reconcile_screenshot", "search_knowledge"} == {name for name, _ in CASES}
    assert len(reads) == 17


@pytest.mark.parametrize(("name", "args"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
async def test_sql_and_http_sources_agree(
    name: str, args: Args, seeded_runtime: Runtime, http_runtime: Runtime, demo: DemoIds
) -> None:
    assert get_source(seeded_runtime).kind == "sql" and get_source(http_runtime).kind == "http"
    arguments = args(demo)
    via_sql = await call(seeded_runtime, name, arguments)
    via_http = await call(http_runtime, name, arguments)
    assert via_sql.ok, via_sql.error
    assert via_http.ok, via_http.error
    assert via_sql.name == via_http.name == f"{name}@v1"
    assert via_sql.data == via_http.data
    assert via_sql.summary == via_http.summary and via_sql.summary


ID_CASES: list[tuple[str, Args]] = [
    ("get_resource", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server")}),
    ("get_latest_snapshot", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server")}),
    ("list_top_alternatives", lambda d: {"resource_id": d.resource(MAIN_TENANT, "server")}),
    ("get_recommendation", lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "rightsize_cpu")}),
    ("estimate_migration_effort", lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "unused_ip")}),
    (
        "estimate_migration_effort",
        lambda d: {"resource_id": d.resource(MAIN_TENANT, "server"), "target_provider": "yandex"},
    ),
    ("generate_step_plan", lambda d: {"recommendation_id": d.recommendation(MAIN_TENANT, "old_snapshot")}),
]


@pytest.mark.parametrize("via", ["sql", "http"])
async def test_another_tenants_ids_are_not_found(
    via: str, seeded_runtime: Runtime, http_runtime: Runtime, demo: DemoIds
) -> None:
    runtime = seeded_runtime if via == "sql" else http_runtime
    for name, args in ID_CASES:
        arguments = args(demo)
        own = await call(runtime, name, arguments, MAIN_TENANT)
        assert own.ok, (name, own.error)
        other = await call(runtime, name, arguments, SMALL_TENANT)
        assert not other.ok, name
        assert other.error is not None and other.error["code"] == "not_found", (name, other.error)
        assert other.data is None
        # The error names the id the caller gave, nothing of the other tenant's data.
        own_name = str((own.data or {}).get("resource", {}).get("name", "§none§"))
        assert own_name not in other.summary and own_name not in other.error["message"]


@pytest.mark.parametrize("via", ["sql", "http"])
async def test_aggregates_are_per_tenant(
    via: str, seeded_runtime: Runtime, http_runtime: Runtime, seeded_db: str
) -> None:
    runtime = seeded_runtime if via == "sql" else http_runtime
    small = await call(runtime, "get_provider_breakdown", {"days": 30}, SMALL_TENANT)
    main = await call(runtime, "get_provider_breakdown", {"days": 30}, MAIN_TENANT)
    assert small.ok and main.ok and small.data and main.data
    assert [i["key"] for i in small.data["items"]] == ["selectel"]  # tenant 2002 only uses Selectel
    assert {i["key"] for i in main.data["items"]} == {"selectel", "yandex", "beget"}
    end = date.fromisoformat(small.data["range"]["end"])
    with psycopg.connect(seeded_db) as conn:
        row = conn.execute(
            "SELECT sum(amount) FROM cost_daily WHERE tenant_id = %s AND day BETWEEN %s AND %s",
            (SMALL_TENANT, end - timedelta(days=29), end),
        ).fetchone()
    assert row is not None
    assert small.data["total"]["amount"] == pytest.approx(float(row[0]), abs=0.01)
    context = await call(runtime, "get_user_context", {}, SMALL_TENANT)
    top = await call(runtime, "summarize_top_recommendations", {"limit": 10}, SMALL_TENANT)
    assert context.data and top.data
    assert context.data["tenant_id"] == SMALL_TENANT and context.data["resources_total"] == 40
    own_ids = await _rec_ids(seeded_db, SMALL_TENANT)
    assert {i["id"] for i in top.data["items"]} <= own_ids
    # each item names its resource, and only the tenant's own resource
    with psycopg.connect(seeded_db) as conn:
        names = dict(conn.execute("SELECT id, name FROM resources WHERE tenant_id = %s", (SMALL_TENANT,)).fetchall())
    assert top.data["items"] and all(i["resource_name"] == names[i["resource_id"]] for i in top.data["items"])
    unknown = await call(runtime, "get_user_context", {}, "no-such-tenant")
    assert unknown.error and unknown.error["code"] == "not_found"


async def _rec_ids(url: str, tenant: str) -> set[int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT id FROM recommendations WHERE tenant_id = %s", (tenant,))
        return {r[0] for r in await cur.fetchall()}


async def test_savings_equal_current_minus_catalog_price(seeded_runtime: Runtime, demo: DemoIds) -> None:
    for tenant in (MAIN_TENANT, SMALL_TENANT, USD_TENANT):
        for rec_type in REC_TYPES:
            for rec_id in demo.tenant(tenant)["recommendations"][rec_type]["ids"]:
                rec = await call(seeded_runtime, "get_recommendation", {"recommendation_id": rec_id}, tenant)
                assert rec.ok and rec.data
                d = rec.data
                current, savings = d["current_monthly"]["amount"], d["savings_monthly"]["amount"]
                assert d["savings_monthly"]["period"] == "month"
                assert d["savings_monthly"]["currency"] == d["resource"]["monthly_cost"]["currency"]
                assert d["savings_yearly"]["amount"] == pytest.approx(savings * 12, abs=0.01)
                assert current == d["resource"]["monthly_cost"]["amount"]
                if d["target"] is None:
                    assert savings == current  # removed outright: nothing replaces it
                    continue
                target = d["target"]
                prices = await call(
                    seeded_runtime,
                    "get_prices_for_skus",
                    {"skus": [{"provider": target["provider"], "sku": target["sku"]}]},
                    tenant,
                )
                assert prices.ok and prices.data and len(prices.data["prices"]) == 1
                unit = prices.data["prices"][0]["monthly_price"]
                assert unit["currency"] == d["savings_monthly"]["currency"]
                target_monthly = round(unit["amount"] * target["quantity"], 2)
                assert target_monthly == target["monthly"]["amount"]
                assert savings == pytest.approx(current - target_monthly, abs=0.005)
                assert f"{savings:.2f}" in d["evidence"]["formula"]


async def test_trend_totals_equal_the_daily_series(seeded_runtime: Runtime, seeded_db: str) -> None:
    for tenant in (MAIN_TENANT, USD_TENANT):
        daily = await call(seeded_runtime, "get_cost_trends", {"days": 45, "granularity": "day"}, tenant)
        weekly = await call(
            seeded_runtime, "get_cost_trends", {"days": 45, "granularity": "week", "group_by": "provider"}, tenant
        )
        overview = await call(seeded_runtime, "get_analytics_overview", {"days": 45}, tenant)
        assert daily.data and weekly.data and overview.data
        points = daily.data["points"]
        assert len(points) == 45 and all(p["days"] == 1 for p in points)
        total = daily.data["total"]["amount"]
        assert total == pytest.approx(sum(p["amount"] for p in points), abs=0.01)
        assert weekly.data["total"]["amount"] == total == overview.data["total_spend"]["amount"]
        assert sum(g["total"]["amount"] for g in weekly.data["groups"]) == pytest.approx(total, abs=0.05)
        start, end = daily.data["range"]["start"], daily.data["range"]["end"]
        with psycopg.connect(seeded_db) as conn:
            row = conn.execute(
                "SELECT sum(amount) FROM cost_daily WHERE tenant_id = %s AND day BETWEEN %s AND %s",
                (tenant, start, end),
            ).fetchone()
        assert row is not None and total == pytest.approx(float(row[0]), abs=0.01)
        assert daily.data["total"]["period"] == "range" and daily.data["currency"] == (
            "USD" if tenant == USD_TENANT else "RUB"
        )


async def test_breakdown_shares_add_up_to_100(seeded_runtime: Runtime) -> None:
    for tenant in (MAIN_TENANT, SMALL_TENANT, USD_TENANT):
        for tool in ("get_service_breakdown", "get_provider_breakdown"):
            for args in ({"days": 30}, {"days": 180, "limit": 3}, {"start": "2025-03-01", "end": "2025-03-31"}):
                result = await call(seeded_runtime, tool, args, tenant)
                assert result.ok and result.data, result.error
                items = result.data["items"] + ([result.data["other"]] if result.data["other"] else [])
                assert abs(sum(i["pct"] for i in items) - 100) <= 0.1
                assert sum(i["amount"]["amount"] for i in items) == pytest.approx(
                    result.data["total"]["amount"], abs=0.05
                )


async def test_planted_anomalies_are_found(seeded_runtime: Runtime, demo: DemoIds) -> None:
    for tenant in (MAIN_TENANT, USD_TENANT):
        result = await call(seeded_runtime, "get_anomalies", {"days": 180, "limit": 50}, tenant)
        assert result.ok and result.data
        assert "median of the same weekday" in result.data["method"]
        found = {(a["day"], a["provider"], a["service"]) for a in result.data["anomalies"]}
        planted = [a for a in demo.report.anomalies if a["tenant_id"] == tenant]
        assert planted
        for a in planted:
            assert (a["day"], a["provider"], a["service"]) in found, a
        # Weekly cycles and growth are not anomalies: a handful per half-year, not one per week.
        assert result.data["count"] <= 20


async def test_alternatives_are_same_kind_and_limited(seeded_runtime: Runtime, demo: DemoIds) -> None:
    redis_id = demo.resource(MAIN_TENANT, "redis-cluster")
    result = await call(seeded_runtime, "list_top_alternatives", {"resource_id": redis_id, "limit": 3})
    assert result.ok and result.data
    alts = result.data["alternatives"]
    assert 0 < len(alts) <= 3
    resource = result.data["resource"]
    for alt in alts:
        assert ".redis." in alt["sku"] and alt["billing_unit"] == "per_node"
        assert alt["quantity"] == resource["spec"]["nodes"]
        assert alt["monthly"]["amount"] == pytest.approx(alt["unit_price"]["amount"] * alt["quantity"], abs=0.01)
        assert alt["delta"]["amount"] == pytest.approx(
            alt["monthly"]["amount"] - resource["monthly_cost"]["amount"], abs=0.01
        )
        assert alt["provider"] != resource["provider"]
    assert [a["monthly"]["amount"] for a in alts] == sorted(a["monthly"]["amount"] for a in alts)
    too_many = await call(seeded_runtime, "list_top_alternatives", {"resource_id": redis_id, "limit": 6})
    assert too_many.error and too_many.error["code"] == "invalid_input"
    snapshot = await call(
        seeded_runtime, "list_top_alternatives", {"resource_id": demo.resource(MAIN_TENANT, "snapshot")}
    )
    assert snapshot.error and snapshot.error["code"] == "invalid_input"


async def test_user_context_of_demo_user_is_read_only(seeded_runtime: Runtime) -> None:
    result = await get_registry().call("get_user_context", {}, ctx_for(seeded_runtime, MAIN_TENANT, "demo"))
    assert result.ok and result.data
    assert result.data["read_only"] is True and result.data["role"] == "demouser"
    owner = await call(seeded_runtime, "get_user_context", {})
    assert owner.data and owner.data["read_only"] is False and owner.data["language"] == "ru"
    assert owner.data["monthly_cost_total"]["period"] == "month"
    assert owner.data["monthly_cost_total"]["amount"] == pytest.approx(
        sum(i["monthly_cost"]["amount"] for i in owner.data["inventory"]), abs=0.05
    )


async def test_effort_and_plan_are_deterministic_and_explained(seeded_runtime: Runtime, demo: DemoIds) -> None:
    for rec_type in REC_TYPES:
        rec_id = demo.recommendation(MAIN_TENANT, rec_type)
        effort = await call(seeded_runtime, "estimate_migration_effort", {"recommendation_id": rec_id})
        again = await call(seeded_runtime, "estimate_migration_effort", {"recommendation_id": rec_id})
        plan = await call(seeded_runtime, "generate_step_plan", {"recommendation_id": rec_id})
        assert effort.data and plan.data and effort.data == again.data
        assert 1 <= effort.data["score"] <= 5 and effort.data["factors"]
        assert effort.data["score"] == max(1, min(5, sum(f["points"] for f in effort.data["factors"])))
        steps = plan.data["steps"]
        assert [s["order"] for s in steps] == list(range(1, len(steps) + 1))
        assert all(s["rollback"] and s["risk"] in ("low", "medium", "high") for s in steps)
        assert plan.data["effort_score"] == effort.data["score"]
    cleanup = await call(
        seeded_runtime,
        "estimate_migration_effort",
        {"recommendation_id": demo.recommendation(MAIN_TENANT, "unused_ip")},
    )
    move_db = await call(
        seeded_runtime,
        "estimate_migration_effort",
        {"recommendation_id": demo.recommendation(MAIN_TENANT, "cross_provider_dbaas")},
    )
    assert cleanup.data and move_db.data and cleanup.data["score"] < move_db.data["score"]
    neither = await call(seeded_runtime, "estimate_migration_effort", {})
    assert neither.error and neither.error["code"] == "invalid_input"
