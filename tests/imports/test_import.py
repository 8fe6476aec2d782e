"""The FinOps Foundation's FOCUS 1.0 sample imported for a new tenant: its conformance report, the
analytics tools on it against the CSV's own sums (SQLite over the raw file), importing it twice,
a second tenant's view."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest

from infrazen_agent.runtime import Runtime
from tests.imports.conftest import SAMPLE, SAMPLE_TENANT, call_tool, run_import
from tests.support.data_fixtures import SMALL_TENANT

SEPT = {"start": "2024-09-01", "end": "2024-09-30"}
CENT = 0.011  # two figures each rounded to cents


def _sums(db: sqlite3.Connection, column: str, by: str) -> dict[str, float]:
    rows = db.execute(f'SELECT {by}, sum(CAST("{column}" AS REAL)) FROM bill GROUP BY 1').fetchall()
    return {str(k): float(v) for k, v in rows}


async def test_the_sample_imports_with_a_conformance_report(runtime: Runtime, sample_db: sqlite3.Connection) -> None:
    view = await run_import(runtime, SAMPLE_TENANT, SAMPLE)
    assert view["status"] == "imported", view
    report = view["report"]
    assert report["focus_version"] == "1.0" and report["format"] == "csv"
    assert (report["rows_read"], report["rows_refused"], report["rows_imported"]) == (1000, 0, 1000)
    assert report["missing_required_columns"] == [] and report["errors"] == []
    assert report["unknown_columns"] == ["Id"]  # the sample's own row id, not a FOCUS column
    assert report["tenant_currency"] == "USD" and report["kept_apart"] == []
    assert (report["first_day"], report["last_day"]) == ("2024-09-01", "2024-09-30")
    # null rates, counted independently
    (nulls,) = sample_db.execute("SELECT count(*) FROM bill WHERE ResourceType IS NULL").fetchone()
    assert report["null_rates"]["ResourceType"] == pytest.approx(nulls / 1000, abs=1e-4)
    assert report["null_rates"]["BilledCost"] == 0
    # totals per provider, currency and charge category
    expected = {
        (p, c, k): (n, float(s))
        for p, c, k, n, s in sample_db.execute(
            "SELECT ProviderName, BillingCurrency, ChargeCategory, count(*), sum(CAST(EffectiveCost AS REAL))"
            " FROM bill GROUP BY 1, 2, 3"
        )
    }
    got = {(t["provider"], t["currency"], t["charge_category"]): (t["rows"], t["amount"]) for t in report["totals"]}
    assert got.keys() == expected.keys()
    for key, (rows, amount) in expected.items():
        assert got[key][0] == rows and got[key][1] == pytest.approx(amount, abs=1e-6), key
    assert {k[2] for k in got} == {"Usage", "Credit", "Adjustment"}
    # what commitment discounts cover
    covered = sample_db.execute(
        "SELECT CommitmentDiscountType, CommitmentDiscountStatus, count(*), sum(CAST(EffectiveCost AS REAL))"
        " FROM bill WHERE CommitmentDiscountId IS NOT NULL GROUP BY 1, 2"
    ).fetchall()
    assert [(c["type"], c["status"], c["rows"]) for c in report["commitments"]] == [(t, s, n) for t, s, n, _ in covered]
    assert covered and covered[0][:3] == ("Savings Plan", "Used", 4)
    # the canonical model: the tenant, its provider connections and resources
    with psycopg.connect(runtime.database_url) as conn:
        tenant = conn.execute("SELECT currency FROM tenants WHERE id = %s", (SAMPLE_TENANT,)).fetchone()
        providers = conn.execute(
            "SELECT provider FROM provider_connections WHERE tenant_id = %s ORDER BY provider", (SAMPLE_TENANT,)
        ).fetchall()
        resources = conn.execute("SELECT count(*) FROM resources WHERE tenant_id = %s", (SAMPLE_TENANT,)).fetchone()
    (distinct,) = sample_db.execute(
        "SELECT count(*) FROM (SELECT DISTINCT ProviderName, ResourceId FROM bill WHERE ResourceId IS NOT NULL)"
    ).fetchone()
    assert tenant == ("USD",) and [p for (p,) in providers] == ["aws", "microsoft", "oracle"]
    assert resources == (distinct,) and report["resources"] == distinct
    # the words for people, both languages
    lines_en = "\n".join(_lines(report, "en"))
    lines_ru = "\n".join(_lines(report, "ru"))
    assert "FOCUS version: 1.0" in lines_en and "Outcome: imported." in lines_en
    assert "Версия FOCUS: 1.0" in lines_ru and "Итог: импортирован." in lines_ru


def _lines(report: dict[str, Any], lang: str) -> list[str]:
    from infrazen_agent.imports.conformance import report_lines

    return report_lines(report, lang)


@pytest.mark.parametrize("column", ["EffectiveCost", "BilledCost"])
async def test_analytics_tools_equal_the_csvs_own_sums(
    runtime: Runtime, sample_db: sqlite3.Connection, column: str
) -> None:
    # Every sample charge lies within one UTC day: its day is its start's date.
    assert sample_db.execute(
        "SELECT count(*) FROM bill WHERE date(ChargePeriodStart) <> date(datetime(ChargePeriodEnd, '-1 second'))"
    ).fetchone() == (0,)
    view = await run_import(runtime, SAMPLE_TENANT, SAMPLE, cost_column=column)
    assert view["status"] == "imported"

    providers = await call_tool(runtime, SAMPLE_TENANT, "get_provider_breakdown", **SEPT)
    expected = _sums(sample_db, column, "lower(ProviderName)")
    assert {i["key"]: i["amount"]["amount"] for i in providers["items"]} == pytest.approx(
        {k: round(v, 2) for k, v in expected.items()}, abs=CENT
    )
    assert providers["currency"] == "USD"
    assert providers["total"]["amount"] == pytest.approx(sum(expected.values()), abs=CENT)

    services = await call_tool(runtime, SAMPLE_TENANT, "get_service_breakdown", limit=20, **SEPT)
    expected = _sums(sample_db, column, "ServiceName")
    shown = {i["key"]: i["amount"]["amount"] for i in services["items"]}
    for key, amount in shown.items():
        assert amount == pytest.approx(expected[key], abs=CENT), key
    rest = sum(v for k, v in expected.items() if k not in shown)
    assert (services["other"]["amount"]["amount"] if services["other"] else 0.0) == pytest.approx(rest, abs=CENT)

    trends = await call_tool(runtime, SAMPLE_TENANT, "get_cost_trends", granularity="day", **SEPT)
    expected = _sums(sample_db, column, "date(ChargePeriodStart)")
    days = {p["start"]: p["amount"] for p in trends["points"]}
    assert len(days) == 30
    for day, amount in days.items():
        assert amount == pytest.approx(expected.get(day, 0.0), abs=CENT), day

    overview = await call_tool(runtime, SAMPLE_TENANT, "get_analytics_overview", **SEPT)
    assert overview["total_spend"]["amount"] == pytest.approx(sum(expected.values()), abs=CENT)
    assert overview["providers"] == 3 and overview["resources"] > 0
    # the rest of the tools answer on imported data too
    for name, args in (
        ("get_anomalies", SEPT),
        ("forecast_costs", {"history_days": 30}),
        ("get_user_context", {}),
        ("summarize_top_recommendations", {}),
    ):
        await call_tool(runtime, SAMPLE_TENANT, name, **args)


async def test_importing_the_same_file_twice_changes_nothing(runtime: Runtime) -> None:
    def state() -> tuple[Any, ...]:
        with psycopg.connect(runtime.database_url) as conn:
            return (
                conn.execute(
                    "SELECT count(*), sum(amount) FROM cost_daily_rollup WHERE tenant_id = %s", (SAMPLE_TENANT,)
                ).fetchone(),
                conn.execute(
                    "SELECT count(*), sum(amount), sum(rows) FROM focus_cost_lines WHERE tenant_id = %s",
                    (SAMPLE_TENANT,),
                ).fetchone(),
                conn.execute(
                    "SELECT count(*), sum(monthly_cost) FROM resources WHERE tenant_id = %s", (SAMPLE_TENANT,)
                ).fetchone(),
                conn.execute(
                    "SELECT count(*) FROM provider_connections WHERE tenant_id = %s", (SAMPLE_TENANT,)
                ).fetchone(),
            )

    first = await run_import(runtime, SAMPLE_TENANT, SAMPLE)
    after_first = state()
    second = await run_import(runtime, SAMPLE_TENANT, SAMPLE)
    assert first["status"] == second["status"] == "imported"
    assert state() == after_first
    assert first["report"]["totals"] == second["report"]["totals"]
    assert after_first[1][2] == 1000


async def test_a_second_tenant_never_sees_the_first_ones_import(seeded_runtime: Runtime) -> None:
    before = await call_tool(seeded_runtime, SMALL_TENANT, "get_provider_breakdown", days=366)
    view = await run_import(seeded_runtime, SAMPLE_TENANT, SAMPLE)
    assert view["status"] == "imported"
    after = await call_tool(seeded_runtime, SMALL_TENANT, "get_provider_breakdown", days=366)
    assert after == before and {i["key"] for i in after["items"]} == {"selectel"}
    sept = await call_tool(seeded_runtime, SMALL_TENANT, "get_cost_trends", **SEPT)
    assert sept["total"]["amount"] == 0
    context = await call_tool(seeded_runtime, SMALL_TENANT, "get_user_context")
    assert all(c["provider"] == "selectel" for c in context["connections"])
    # and the importing tenant sees only its bill, not the demo's
    own = await call_tool(seeded_runtime, SAMPLE_TENANT, "get_provider_breakdown", **SEPT)
    assert {i["key"] for i in own["items"]} == {"aws", "microsoft", "oracle"}
