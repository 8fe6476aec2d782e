"""`GET /v1/usage` over the ledger the gateway wrote (scripted model server, real Postgres): cost
per user, scenario and model for a date range, estimated costs shown apart, the token's tenant
only (two tenants), admins only, and a bad range is a clear 422 JSON error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from infrazen_agent.llm import CallMeta, get_gateway
from tests.support.llm_server import Reply, ScriptedLLMServer

URL = "/v1/usage"
HELLO = [{"role": "user", "content": "hello"}]
A, B = "tenant-a", "tenant-b"


@pytest.fixture
async def usage_client(
    llm_settings: Callable[..., Settings], llm_server: ScriptedLLMServer
) -> AsyncIterator[httpx.AsyncClient]:
    settings = llm_settings(
        llm_price_table={"openai/scripted-text": (1.0, 2.0)},  # the fallback has no price: estimated
        llm_default_price_per_mtok_in=10.0,
        llm_default_price_per_mtok_out=20.0,
        llm_max_retries=0,
        tenant_daily_budget_usd=0,
        llm_cooldown_s=0,  # bob's failed first model stays in the chain for the calls after
    )
    app = create_app(["generate_text"], settings)
    runtime = app.state.runtime
    await runtime.ensure_started()
    gateway = get_gateway(runtime)

    async def call(tenant: str, user: str, scenario: str, *replies: Reply) -> None:
        llm_server.script(*replies)
        await gateway.complete(HELLO, meta=CallMeta(tenant_id=tenant, user_id=user, scenario=scenario))

    ok = Reply(text="x", usage=(1_000_000, 500_000))  # 1 + 1 = 2 USD on the priced model
    await call(A, "alice", "chat_analytics", ok)
    await call(A, "alice", "recommendation_text", ok)
    await call(
        A, "bob", "chat_analytics", Reply(status=500), Reply(text="y", usage=(100_000, 50_000))
    )  # fallback: 1 + 1
    await call(B, "carol", "chat_analytics", ok)
    await call(A, "alice", "chat_analytics", ok)  # moved to last week below
    await gateway.flush()
    async with runtime.pool.connection() as conn:
        await conn.execute(
            "UPDATE llm_calls SET created_at = now() - interval '8 days'"
            " WHERE id = (SELECT max(id) FROM llm_calls WHERE tenant_id = %s)",
            (A,),
        )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        yield c
    await runtime.stop()


def _days(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


async def test_cost_per_user_scenario_and_model_for_the_tokens_tenant_only(
    usage_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    r = await usage_client.get(
        URL, params={"since": _days(1), "until": _days(0)}, headers=auth("root", A, roles=["admin"])
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert (body["tenant_id"], body["since"], body["until"], body["currency"]) == (A, _days(1), _days(0), "USD")
    total = body["total"]
    assert (total["calls"], total["cost_usd"], total["estimated_cost_usd"]) == (3, 6.0, 2.0)
    assert total["prompt_tokens"] == 2_100_000 and total["latency_ms_avg"] > 0
    assert {u["user_id"]: u["cost_usd"] for u in body["by_user"]} == {"alice": 4.0, "bob": 2.0}
    assert {s["scenario"]: s["cost_usd"] for s in body["by_scenario"]} == {
        "chat_analytics": 4.0,
        "recommendation_text": 2.0,
    }
    by_model = {m["model"]: (m["cost_usd"], m["estimated_cost_usd"]) for m in body["by_model"]}
    assert by_model == {"openai/scripted-text": (4.0, 0.0), "openai/scripted-fallback": (2.0, 2.0)}
    assert [(x["user_id"], x["scenario"], x["model"]) for x in body["rows"]] == [
        ("alice", "chat_analytics", "openai/scripted-text"),
        ("alice", "recommendation_text", "openai/scripted-text"),
        ("bob", "chat_analytics", "openai/scripted-fallback"),
    ]
    assert "carol" not in r.text  # another tenant's calls never appear

    other = (await usage_client.get(URL, headers=auth("root-b", B, roles=["admin"]))).json()
    assert (other["tenant_id"], other["total"]["calls"], other["total"]["cost_usd"]) == (B, 1, 2.0)
    assert [u["user_id"] for u in other["by_user"]] == ["carol"]


async def test_the_range_selects_days(usage_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    admin = auth("root", A, roles=["admin"])
    week = (await usage_client.get(URL, params={"since": _days(10), "until": _days(0)}, headers=admin)).json()
    assert week["total"]["calls"] == 4 and week["total"]["cost_usd"] == 8.0
    past = (await usage_client.get(URL, params={"since": _days(9), "until": _days(7)}, headers=admin)).json()
    assert past["total"]["calls"] == 1 and past["rows"][0]["user_id"] == "alice"
    default = (await usage_client.get(URL, headers=admin)).json()  # the last 30 days
    assert default["total"]["calls"] == 4 and default["until"] == _days(0) and default["since"] == _days(29)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": _days(0), "until": _days(3)}, "is after until"),
        ({"since": _days(400), "until": _days(0)}, "at most 366"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-40"}, "until"),
    ],
)
async def test_a_bad_range_is_a_clear_422(
    usage_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], params: dict[str, str], message: str
) -> None:
    r = await usage_client.get(URL, params=params, headers=auth("root", A, roles=["admin"]))
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and message in error["message"]


async def test_admins_only(usage_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    assert (await usage_client.get(URL)).status_code == 401
    for roles in (["viewer"], ["analyst"]):
        r = await usage_client.get(URL, headers=auth("u", A, roles=roles))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await usage_client.get(URL, headers=auth("demo", A, roles=["admin"], demo=True))
    assert r.status_code == 403
