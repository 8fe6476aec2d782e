"""The metrics of issue 16 with bounded labels: tool calls by tool and outcome (a name the model
made up is `_unknown`), cache lookups, the day's biggest spenders against the cap (read from
Redis at each scrape) and the dependencies' gauge refreshed by a scrape."""

from __future__ import annotations

import re
import time

import httpx
from prometheus_client import REGISTRY

from infrazen_agent import live_gauges
from infrazen_agent.auth import Principal
from infrazen_agent.llm.budget import Budget, spenders_key
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, get_registry


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_tool_calls_are_counted_by_tool_and_outcome(runtime: Runtime) -> None:
    registry = get_registry()
    ctx = ToolContext(runtime=runtime, principal=Principal(user_id="u1", tenant_id="t1"), request_id="r1")
    tool = registry.tools()[0].name
    before_unknown = _value("agent_tool_calls_total", tool="_unknown", outcome="not_found")
    before_bad = _value("agent_tool_calls_total", tool=tool, outcome="invalid_input")
    before_latency = _value("agent_tool_call_seconds_count", tool=tool)
    made_up = await registry.call("delete_everything_for_me_now", {}, ctx)
    bad = await registry.call(tool, "{not json", ctx)
    assert not made_up.ok and not bad.ok
    assert _value("agent_tool_calls_total", tool="_unknown", outcome="not_found") == before_unknown + 1
    assert _value("agent_tool_calls_total", tool=tool, outcome="invalid_input") == before_bad + 1
    assert _value("agent_tool_call_seconds_count", tool=tool) == before_latency + 1
    names = {s.labels["tool"] for m in REGISTRY.collect() if m.name == "agent_tool_calls" for s in m.samples}
    assert "delete_everything_for_me_now" not in names  # no label from what the model made up


async def test_the_days_biggest_spenders_are_gauged_against_the_cap(runtime: Runtime) -> None:
    budget = Budget(runtime.redis, runtime.pool, daily_cap_usd=5.0, requests_per_minute=0)
    for tenant, cost in (("t-small", 0.5), ("t-big", 4.5), ("t-mid", 2.0)):
        assert await budget.spent_today(tenant) == 0.0  # the day's total, rebuilt from the (empty) ledger
        await budget.add_spend(tenant, cost)
    await budget.add_spend("t-big", 0.1)
    ranked = await runtime.redis.zrevrange(spenders_key(time.time()), 0, -1, withscores=True)
    assert [(t.decode(), round(s, 6)) for t, s in ranked] == [("t-big", 4.6), ("t-mid", 2.0), ("t-small", 0.5)]

    runtime.settings.agent_metrics_tenants = 2
    try:
        await live_gauges.refresh(runtime)
    finally:
        runtime.settings.agent_metrics_tenants = 50
    assert live_gauges.BUDGET.spent == [("t-big", 4.6), ("t-mid", 2.0)]  # the label set is capped
    assert _value("agent_llm_budget_spent_usd", tenant="t-big") == 4.6
    assert _value("agent_llm_budget_spent_usd", tenant="t-small") == 0.0
    assert _value("agent_llm_budget_cap_usd") == runtime.settings.tenant_daily_budget_usd


async def test_a_scrape_refreshes_the_gauges(client: httpx.AsyncClient) -> None:
    live_gauges._last_dependencies = 0.0
    text = (await client.get("/metrics")).text
    for dependency in ("postgres", "redis", "storage"):
        assert re.search(rf'^agent_dependency_up\{{dependency="{dependency}"\}} 1\.0$', text, re.M), dependency
    assert re.search(r"^agent_llm_budget_cap_usd ", text, re.M)
    for family in ("agent_ws_connections", "agent_sse_streams", "agent_chat_turns_total", "agent_cache_lookups_total"):
        assert f"# TYPE {family.removesuffix('_total')}" in text, family


async def test_grounding_checks_and_flags_are_counted() -> None:
    from infrazen_agent.agent.grounding import Fact
    from infrazen_agent.chat.revision import check_answer

    facts = [Fact(1200.0, "money", "savings.monthly", "RUB", "month", "test")]
    before = {r: _value("agent_grounding_checks_total", surface="chat", result=r) for r in ("traced", "flagged")}
    flags = _value("agent_grounding_flags_total", surface="chat")
    traced = await check_answer("Экономия 1 200 ₽ в месяц.", facts, lang="ru")
    flagged = await check_answer("Экономия 1 200 ₽ в месяц, а через год 99 999 ₽.", facts, lang="ru")
    assert traced.grounding.ok and not traced.revised and flagged.revised  # marked, not trusted
    assert _value("agent_grounding_checks_total", surface="chat", result="traced") == before["traced"] + 1
    assert _value("agent_grounding_checks_total", surface="chat", result="flagged") == before["flagged"] + 1
    assert _value("agent_grounding_flags_total", surface="chat") >= flags + 1
