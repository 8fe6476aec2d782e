"""Time ranges at the edges: the longest allowed range works for every analytics tool, and dates
far from the data are a clear invalid_input, never an internal error."""

from __future__ import annotations

from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, get_registry
from tests.support.data_fixtures import MAIN_TENANT

ANALYTICS = [
    "get_analytics_overview",
    "get_cost_trends",
    "get_service_breakdown",
    "get_provider_breakdown",
    "get_anomalies",
]


@pytest.mark.parametrize("tool", ANALYTICS)
async def test_longest_range_is_served(seeded_runtime: Runtime, tool: str) -> None:
    ctx = ToolContext(runtime=seeded_runtime, principal=Principal("u", MAIN_TENANT))
    result = await get_registry().call(tool, {"days": 366}, ctx)
    assert result.ok, result.error


@pytest.mark.parametrize("tool", ANALYTICS)
@pytest.mark.parametrize(
    "args",
    [
        {"start": "0001-01-01", "end": "0001-01-05"},
        {"start": "9999-12-01", "end": "9999-12-31"},
        {"days": 367},
        {"start": "2025-01-10", "end": "2025-01-01"},
    ],
    ids=["year-1", "year-9999", "too-long", "reversed"],
)
async def test_bad_ranges_are_invalid_input(seeded_runtime: Runtime, tool: str, args: dict[str, Any]) -> None:
    ctx = ToolContext(runtime=seeded_runtime, principal=Principal("u", MAIN_TENANT))
    result = await get_registry().call(tool, args, ctx)
    assert not result.ok and result.error is not None
    assert result.error["code"] == "invalid_input", result.error


async def test_potential_savings_agree_across_tools(seeded_runtime: Runtime) -> None:
    """Overview, user context and the top-recommendations summary count one saving per resource."""
    ctx = ToolContext(runtime=seeded_runtime, principal=Principal("u", MAIN_TENANT))
    registry = get_registry()
    top = (await registry.call("summarize_top_recommendations", {}, ctx)).data
    overview = (await registry.call("get_analytics_overview", {}, ctx)).data
    user = (await registry.call("get_user_context", {}, ctx)).data
    assert top and overview and user
    expected = top["total_savings_monthly"]["amount"]
    assert overview["potential_savings_monthly"]["amount"] == pytest.approx(expected, abs=0.01)
    assert user["open_savings"]["amount"] == pytest.approx(expected, abs=0.01)
    assert user["open_recommendations"] == top["open_count"]
