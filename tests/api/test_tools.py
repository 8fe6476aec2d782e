"""`GET /v1/tools` and `POST /v1/tools/{name}` over the whole app: the caller's principal, the
agent's limits and audit, standard JSON errors; and the demo load on a first start."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import psycopg
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def settings(seeded_settings: Settings) -> Settings:
    """The `client` fixture serves the seeded database."""
    return seeded_settings


async def test_catalog_lists_schemas_and_scopes(client: httpx.AsyncClient, auth: Auth) -> None:
    assert (await client.get("/v1/tools")).status_code == 401
    resp = await client.get("/v1/tools", headers=auth("1001", MAIN_TENANT))
    assert resp.status_code == 200
    tools = {t["name"]: t for t in resp.json()["tools"]}
    assert len(tools) == 20 and tools["create_ticket"]["scope"] == "action"
    res = tools["get_resource"]
    assert res["versioned_name"] == "get_resource@v1" and res["scope"] == "read"
    assert res["input_schema"]["required"] == ["resource_id"] and res["output_schema"]["properties"]
    assert tools["list_top_alternatives"]["input_schema"]["properties"]["limit"]["maximum"] == 5


async def test_call_as_the_authenticated_principal(
    client: httpx.AsyncClient, auth: Auth, demo: DemoIds, seeded_db: str
) -> None:
    rid = demo.resource(MAIN_TENANT, "server")
    resp = await client.post(
        "/v1/tools/get_resource",
        json={"resource_id": rid},
        headers={**auth("1001", MAIN_TENANT), "X-Request-Id": "req-tools-1"},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["ok"] and body["name"] == "get_resource@v1"
    assert body["data"]["resource"]["id"] == rid and body["data"]["resource"]["monthly_cost"]["period"] == "month"
    other = await client.post(
        "/v1/tools/get_resource@v1", json={"resource_id": rid}, headers=auth("2002", SMALL_TENANT)
    )
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    assert "data" not in other.json()
    with psycopg.connect(seeded_db) as conn:
        rows = conn.execute("SELECT tenant_id, user_id, outcome, request_id FROM tool_calls ORDER BY id").fetchall()
    assert rows[0] == (MAIN_TENANT, "1001", "ok", "req-tools-1")
    assert rows[1][:3] == (SMALL_TENANT, "2002", "error")


async def test_errors_are_standard_json(client: httpx.AsyncClient, auth: Auth) -> None:
    headers = auth("1001", MAIN_TENANT)
    cases = [
        ("/v1/tools/get_resource", {"resource_id": "ten"}, 422, "invalid_input"),
        ("/v1/tools/get_resource", {"resource_id": 1, "tenant_id": "2002"}, 422, "invalid_input"),
        ("/v1/tools/get_resource", [1, 2], 422, "invalid_input"),
        ("/v1/tools/no_such_tool", {}, 404, "not_found"),
        ("/v1/tools/get_cost_trends", {"start": "2025-06-01"}, 422, "invalid_input"),
    ]
    for path, body, status, code in cases:
        resp = await client.post(path, json=body, headers=headers)
        assert resp.status_code == status, (path, body, resp.text)
        assert resp.json()["error"]["code"] == code and resp.json()["error"]["request_id"]


async def test_rate_limit_applies_per_user(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {"skus": [{"provider": "selectel", "sku": "sel.standard.1c2g.hdd20.ru-1"}]}
    statuses = [
        (await client.post("/v1/tools/get_prices_for_skus", json=body, headers=auth("1001", MAIN_TENANT))).status_code
        for _ in range(61)
    ]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    other = await client.post("/v1/tools/get_prices_for_skus", json=body, headers=auth("1002", MAIN_TENANT))
    assert other.status_code == 200


async def test_first_start_loads_the_demo_once(make_settings: Callable[..., Settings], database_url: str) -> None:
    for _ in range(2):
        app = create_app(["tools"], make_settings(agent_load_demo=True))
        await app.state.runtime.ensure_started()
        await app.state.runtime.stop()
    with psycopg.connect(database_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users WHERE is_demo)"
        ).fetchone()
    assert counts == (3, 1)
    off = create_app(["tools"], make_settings(agent_load_demo=False))
    await off.state.runtime.ensure_started()
    await off.state.runtime.stop()


async def test_a_legacy_chat_token_is_refused_by_the_tool_api(client: httpx.AsyncClient, demo: DemoIds) -> None:
    import time

    import jwt

    from tests.conftest import TEST_SECRET

    legacy = jwt.encode(
        {
            "user_id": 1001,
            "scenario": "analytics",
            "context": {"time_range_days": 30},
            "exp": int(time.time()) + 600,
            "iat": int(time.time()),
        },
        TEST_SECRET,
        algorithm="HS256",
    )
    headers = {"Authorization": f"Bearer {legacy}"}
    # A chat token reaches its chat only: the tool API wants a service token.
    context = await client.post("/v1/tools/get_user_context", json={}, headers=headers)
    assert context.status_code == 403 and "service token" in context.json()["error"]["message"]
    own = await client.post(
        "/v1/tools/get_recommendation",
        json={"recommendation_id": demo.recommendation(MAIN_TENANT, "rightsize_cpu")},
        headers=headers,
    )
    other = await client.post(
        "/v1/tools/get_recommendation",
        json={"recommendation_id": demo.recommendation(SMALL_TENANT, "old_snapshot")},
        headers=headers,
    )
    assert own.status_code == other.status_code == 403  # the same answer: nothing learnt about ids
