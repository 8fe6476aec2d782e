"""Sliding-window rate limits (real Redis): the window slides instead of resetting at the minute,
refused calls are not counted, limits are set per tool and per role in the settings, a chat turn
or a recommendation text is one admission whatever tools it calls, and one user's calls never
count against another's (another tenant with the same user id included)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from infrazen_agent.app import create_app
from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.guard.rate import take, tool_limit
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import get_registry
from infrazen_agent.tools.registry import ToolContext
from tests.chat.clients import query, running_chat
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds


async def _admitted(runtime: Runtime, n: int, now: float, limit: int = 5, name: str = "t:u:x") -> int:
    decisions = await take(runtime.redis, [(name, limit)] * n, 10, now=now)
    return sum(d.admitted for d in decisions)


async def test_the_window_slides_instead_of_resetting(runtime: Runtime) -> None:
    base = 1_000_000.0  # a window boundary (10 s windows)
    assert await _admitted(runtime, 8, base + 1) == 5
    # just after the boundary a fixed window would admit 5 more at once; 95 % of the last
    # window still lies inside the sliding one
    assert await _admitted(runtime, 5, base + 10.5) == 0
    assert await _admitted(runtime, 5, base + 15) == 2  # half of it: 2.5 used, room for 2
    assert await _admitted(runtime, 5, base + 20.5) == 3  # 0.95 × 2 = 1.9 used


async def test_refused_calls_are_not_counted_so_retrying_does_not_extend_the_lock_out(runtime: Runtime) -> None:
    base = 2_000_000.0
    assert await _admitted(runtime, 5, base + 1) == 5
    for t in range(2, 10):  # hammering while refused
        assert await _admitted(runtime, 20, base + t) == 0
    assert await _admitted(runtime, 5, base + 19.9) == 4  # as if nobody had retried


async def test_the_admitted_rate_stays_at_the_limit_under_a_steady_flood(runtime: Runtime) -> None:
    """10 calls a second for 10 simulated minutes at 60 per 60 s: in every 60 s span at most the
    limit (plus the estimate's slack) is admitted, and the limit is not under-used either."""
    base, admitted_at = 3_000_000.0, []
    for tenth in range(6000):
        now = base + tenth / 10
        if (await take(runtime.redis, [("t:u:flood", 60)], 60, now=now))[0].admitted:
            admitted_at.append(now)
    spans = [sum(1 for t in admitted_at if base + start <= t < base + start + 60) for start in range(60, 541, 15)]
    print(json.dumps({"admitted": len(admitted_at), "per_60s_min": min(spans), "per_60s_max": max(spans)}))
    assert max(spans) <= 66 and min(spans) >= 54


def test_limits_per_tool_and_role_are_read_from_settings(make_settings: Callable[..., Settings]) -> None:
    pairs = make_settings(tool_rate_limits="*=60, search_pricing=30, analyst:*=120, admin:search_pricing=300")
    as_json = make_settings(tool_rate_limits='{"*": 60, "search_pricing": 30, "analyst:*": 120}')
    assert pairs.tool_rate_limits["analyst:*"] == as_json.tool_rate_limits["analyst:*"] == 120
    limits = pairs.tool_rate_limits
    assert tool_limit(limits, "search_pricing", "viewer", None) == 30
    assert tool_limit(limits, "search_pricing", "admin", None) == 300
    assert tool_limit(limits, "get_analytics_overview", "analyst", None) == 120
    assert tool_limit(limits, "get_analytics_overview", "viewer", None) == 60
    assert tool_limit(limits, "create_ticket", "analyst", 10) == 10  # the tool's own limit beats role:*
    for bad in ("boss:*=5", "*=many", "search_pricing", '{"viewer:": 3}'):
        with pytest.raises(ValidationError):
            make_settings(tool_rate_limits=bad)


async def test_each_role_gets_its_limit_and_users_and_tenants_are_counted_apart(
    seeded_settings: Settings, demo: DemoIds
) -> None:
    settings = seeded_settings.model_copy(
        update={"tool_rate_limits": {"*": 100, "get_analytics_overview": 2, "analyst:get_analytics_overview": 4}}
    )
    rt = Runtime(settings)
    await rt.ensure_started()
    try:

        async def ok_calls(user: str, tenant: str, roles: tuple[str, ...]) -> int:
            ctx = ToolContext(runtime=rt, principal=Principal(user, tenant, roles=roles))
            results = await get_registry().call_many([("get_analytics_overview", {"days": 30})] * 6, ctx)
            refused = [r for r in results if not r.ok]
            assert all(r.error and r.error["code"] == "rate_limited" for r in refused), refused
            return sum(r.ok for r in results)

        assert await ok_calls("u1", MAIN_TENANT, ("viewer",)) == 2
        assert await ok_calls("u2", MAIN_TENANT, ("analyst",)) == 4
        assert await ok_calls("u1", SMALL_TENANT, ("viewer",)) == 2  # same user id, another tenant
        assert await ok_calls("u3", MAIN_TENANT, ("viewer",)) == 2
        assert await ok_calls("u1", MAIN_TENANT, ("viewer",)) == 0
    finally:
        await rt.stop()


async def test_a_text_is_one_admission_whatever_tools_it_calls(
    seeded_settings: Settings, demo: DemoIds, token_for: Callable[..., str]
) -> None:
    # one call per tool, but up to 3 texts: each text's several tool calls count as one
    settings = seeded_settings.model_copy(update={"tool_rate_limits": {"*": 1, "recommendation_text": 3}})
    app = create_app(["generate_text", "tools"], settings)
    await app.state.runtime.ensure_started()
    headers = {"Authorization": f"Bearer {token_for(demo.owner(MAIN_TENANT), MAIN_TENANT)}"}
    other = {"Authorization": f"Bearer {token_for(demo.owner(SMALL_TENANT), SMALL_TENANT)}"}
    recs = [demo.recommendation(MAIN_TENANT, t) for t in ("cross_provider_server", "rightsize_cpu", "unused_ip")]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
            url = "/v1/generate/recommendation-text"
            codes = [(await c.post(url, json={"recommendation_id": r}, headers=headers)).status_code for r in recs]
            assert codes == [200, 200, 200]
            again = await c.post(url, json={"recommendation_id": recs[0]}, headers=headers)
            assert again.status_code == 200  # from the cache: no admission needed
            fourth = demo.recommendation(MAIN_TENANT, "old_snapshot")
            refused = await c.post(url, json={"recommendation_id": fourth}, headers=headers)
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            assert refused.json()["error"]["code"] == "rate_limited"
            small = demo.recommendation(SMALL_TENANT, "old_snapshot")
            assert (await c.post(url, json={"recommendation_id": small}, headers=other)).status_code == 200
            # the tool API counts every call: the limit of 1 applies there
            tool_codes = [
                (await c.post("/v1/tools/get_analytics_overview", json={"days": 30}, headers=headers)).status_code
                for _ in range(2)
            ]
            assert tool_codes == [200, 429]
    finally:
        await app.state.runtime.stop()


async def test_a_chat_turn_is_one_admission_whatever_tools_it_calls(seeded_settings: Settings) -> None:
    settings = seeded_settings.model_copy(
        update={"tool_rate_limits": {"*": 1, "chat_session": 1}, "user_messages_per_minute": 10_000}
    )
    with running_chat(settings) as chat:
        sid = (await chat.start({"scope": "analytics"}))["session_id"]
        async with chat.ws(sid) as ws:
            turns: list[list[dict[str, Any]]] = []
            for question in ("Какие тренды?", "Какие сервисы дороже всего?", "Что с расходами за 90 дней?"):
                turns.append(await ws.ask(question))
        for events in turns:
            assert events[-1]["type"] == "message", events[-1]
            assert not [e for e in events if e["type"] == "tool_result" and e.get("error_code") == "rate_limited"]
        async with chat.http() as c:
            second = await c.post("/v1/chat/start", json={"scope": "analytics"}, headers=chat.headers())
        assert second.status_code == 429 and second.json()["error"]["code"] == "rate_limited"
    calls = query(settings, "SELECT tool, outcome FROM tool_calls")
    assert len(calls) > 3 and not [c for c in calls if c["outcome"] == "rate_limited"], calls
