"""`forecast_costs` on the demo tenants: calendar periods after the last day of data, an interval
around each point, figures declared as forecasts (a sentence citing one as spend does not trace),
each tenant's own series."""

from __future__ import annotations

from infrazen_agent.agent.grounding import facts_from_tool, trace
from infrazen_agent.runtime import Runtime
from infrazen_agent.wording.numbers import format_money
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT
from tests.tools.test_catalog import call


async def test_next_month_and_quarter_with_intervals(seeded_runtime: Runtime) -> None:
    result = await call(seeded_runtime, "forecast_costs", {})
    assert result.ok, result.error
    out = result.data
    assert out is not None and out["history"]["end"] == "2025-06-30" and out["history"]["days"] == 90
    periods = {p["period"]: p for p in out["periods"]}
    assert set(periods) == {"next_month", "next_quarter"}  # the data ends on a month's last day
    assert (periods["next_month"]["start"], periods["next_month"]["end"]) == ("2025-07-01", "2025-07-31")
    assert (periods["next_quarter"]["start"], periods["next_quarter"]["end"]) == ("2025-07-01", "2025-09-30")
    for p in periods.values():
        assert p["low"]["amount"] < p["forecast"]["amount"] < p["high"]["amount"]
    last30 = await call(seeded_runtime, "get_analytics_overview", {"days": 30})
    spend = last30.data["total_spend"]["amount"]  # type: ignore[index]
    assert abs(periods["next_month"]["forecast"]["amount"] / 31 * 30 / spend - 1) < 0.15
    assert "weekday" in out["method"]


async def test_a_forecast_is_cited_as_a_forecast(seeded_runtime: Runtime) -> None:
    out = (await call(seeded_runtime, "forecast_costs", {})).data
    facts = facts_from_tool("forecast_costs", out)
    nxt = next(p for p in out["periods"] if p["period"] == "next_month")  # type: ignore[union-attr]
    figure = format_money(nxt["forecast"]["amount"], "RUB", "ru")
    assert trace(f"Прогноз на июль: {figure}.", facts).ok
    assert not trace(f"Экономия составит {figure}.", facts).ok  # a forecast is not savings


async def test_each_tenant_forecasts_its_own_series(seeded_runtime: Runtime) -> None:
    main = (await call(seeded_runtime, "forecast_costs", {}, MAIN_TENANT)).data
    small = (await call(seeded_runtime, "forecast_costs", {}, SMALL_TENANT)).data
    assert main["periods"][0]["forecast"] != small["periods"][0]["forecast"]  # type: ignore[index]
    unknown = await call(seeded_runtime, "forecast_costs", {}, "no-such-tenant")
    assert not unknown.ok and unknown.error["code"] == "not_found"  # type: ignore[index]
