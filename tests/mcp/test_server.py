"""The MCP server through the SDK's own client on a running service: the registry's tools with
their schemas and annotations, the same results (and audit rows, and limits) as
`POST /v1/tools/{name}`, tenant scope, action tools as proposals only, prompts and resources."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from mcp.shared.exceptions import MCPError

from infrazen_agent.config import Settings
from infrazen_agent.tools import get_registry
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds
from tests.support.servers import LiveServer

from .conftest import Connect

Token = Callable[..., str]
Auth = Callable[..., dict[str, str]]


async def _http_call(server: LiveServer, token: str, name: str, arguments: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        return await client.post(f"/v1/tools/{name}", json=arguments, headers={"Authorization": f"Bearer {token}"})


async def test_lists_every_read_tool_with_its_schemas_and_read_only_annotations(
    connect: Connect, token_for: Token
) -> None:
    registry = get_registry()
    reads = {t.name: t for t in registry.tools() if t.scope == "read"}
    async with connect(token_for("1001", MAIN_TENANT)) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
    assert set(listed) == set(reads)  # a viewer: no proposals offered
    for name, tool in reads.items():
        mcp_tool = listed[name]
        assert mcp_tool.input_schema == tool.input_schema() and mcp_tool.output_schema == tool.output_schema()
        assert mcp_tool.description and mcp_tool.description.startswith(tool.description)
        assert mcp_tool.annotations is not None
        assert mcp_tool.annotations.read_only_hint is True and mcp_tool.annotations.destructive_hint is False
        assert "tenant_id" not in mcp_tool.input_schema.get("properties", {})

    async with connect(token_for("1001", MAIN_TENANT, roles=["analyst"])) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
    actions = [t.name for t in registry.tools() if t.scope == "action"]
    assert actions and all(name not in listed for name in actions)  # never the action itself
    for name in actions:
        proposal = listed[f"propose_{name}"]
        assert proposal.annotations is not None and proposal.annotations.read_only_hint is False
        assert proposal.description and proposal.description.startswith("PROPOSAL ONLY")


async def test_calls_answer_as_the_tool_api_does_and_each_has_an_audit_row(
    connect: Connect, service: LiveServer, token_for: Token, demo: DemoIds, seeded_db: str
) -> None:
    token = token_for("1001", MAIN_TENANT)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_resource", {"resource_id": demo.resource(MAIN_TENANT, "server")}),
        ("get_recommendation", {"recommendation_id": demo.recommendation(MAIN_TENANT, "cross_provider_server")}),
        ("summarize_top_recommendations", {"limit": 3}),
        ("get_service_breakdown", {"days": 30}),
        ("get_user_context", {}),
    ]
    async with connect(token, headers={"X-Request-Id": "mcp-req-1"}) as session:
        for name, arguments in calls:
            result = await session.call_tool(name, arguments)
            http = await _http_call(service, token, name, arguments)
            assert http.status_code == 200, http.text
            body = http.json()
            assert not result.is_error, result.content
            assert result.structured_content == body["data"], name
            assert result.content[0].type == "text" and result.content[0].text == body["summary"]
            assert result.meta is not None and result.meta["infrazen/tool"] == body["name"]
        refused = await session.call_tool("get_resource", {"resource_id": "ten"})
        http = await _http_call(service, token, "get_resource", {"resource_id": "ten"})
        assert refused.is_error and http.status_code == 422
        assert refused.structured_content["error"]["code"] == http.json()["error"]["code"] == "invalid_input"
        assert refused.structured_content["error"]["message"] == http.json()["error"]["message"]
    with psycopg.connect(seeded_db) as conn:
        rows = conn.execute(
            "SELECT tool, tenant_id, user_id, outcome, request_id FROM tool_calls ORDER BY id"
        ).fetchall()
    assert len(rows) == 2 * len(calls) + 2  # one row per call, over MCP as over HTTP
    mcp_rows = rows[0 : 2 * len(calls) : 2]
    assert [r[0] for r in mcp_rows] == [name for name, _ in calls]
    assert all(r[1:4] == (MAIN_TENANT, "1001", "ok") and r[4] == "mcp-req-1" for r in mcp_rows)
    assert rows[-2][0] == "get_resource" and rows[-2][3] == "error"


async def test_never_sees_another_tenants_data(connect: Connect, token_for: Token, demo: DemoIds) -> None:
    main_rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    async with connect(token_for("2002", SMALL_TENANT)) as small:
        other = await small.call_tool("get_resource", {"resource_id": demo.resource(MAIN_TENANT, "server")})
        assert other.is_error and other.structured_content["error"]["code"] == "not_found"
        assert "web-main" not in str(other.content)
        smuggled = await small.call_tool("get_user_context", {"tenant_id": MAIN_TENANT})
        assert smuggled.is_error and smuggled.structured_content["error"]["code"] == "invalid_input"
        with pytest.raises(MCPError) as refused:
            await small.read_resource(f"infrazen://recommendations/{main_rec}")
        assert refused.value.code == -32002
        small_uris = {str(r.uri) for r in (await small.list_resources()).resources}
        top = await small.call_tool("summarize_top_recommendations", {"limit": 10})
    async with connect(token_for("1001", MAIN_TENANT)) as main:
        main_uris = {str(r.uri) for r in (await main.list_resources()).resources}
        mine = await main.read_resource(f"infrazen://recommendations/{main_rec}")
    assert small_uris == {f"infrazen://recommendations/{i['id']}" for i in top.structured_content["items"]}
    assert small_uris and main_uris and not small_uris & main_uris
    assert f'"id": {main_rec}' in mine.contents[0].text  # type: ignore[union-attr]


async def test_an_action_tool_only_yields_a_proposal_the_user_decides(
    connect: Connect, service: LiveServer, token_for: Token, auth: Auth, demo: DemoIds, seeded_db: str
) -> None:
    rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    async with connect(token_for("1001", MAIN_TENANT, roles=["analyst"])) as session:
        direct = await session.call_tool("draft_change_plan", {"recommendation_id": rec})
        assert direct.is_error and direct.structured_content["error"]["code"] == "forbidden"
        proposed = await session.call_tool("propose_draft_change_plan", {"recommendation_id": rec})
        assert not proposed.is_error, proposed.content
        data = proposed.structured_content
        assert data["status"] == "awaiting_confirmation" and data["action_id"].startswith("act_")
        assert data["arguments"] == {"recommendation_id": rec} and str(rec) in data["preview"]
        bad = await session.call_tool("propose_draft_change_plan", {"recommendation_id": rec, "tenant_id": "2002"})
        assert bad.is_error and bad.structured_content["error"]["code"] == "invalid_input"
    async with connect(token_for("1001", MAIN_TENANT)) as viewer:
        refused = await viewer.call_tool("propose_draft_change_plan", {"recommendation_id": rec})
        assert refused.is_error and refused.structured_content["error"]["code"] == "forbidden"
    async with connect(token_for("2002", SMALL_TENANT, roles=["analyst"])) as other:
        foreign = await other.call_tool("propose_draft_change_plan", {"recommendation_id": rec})
        assert foreign.is_error and foreign.structured_content["error"]["code"] == "not_found"
    with psycopg.connect(seeded_db) as conn:
        actions = conn.execute("SELECT id, tenant_id, status, executed_at FROM actions").fetchall()
        stages = conn.execute("SELECT action_id, stage FROM action_audit").fetchall()
    assert actions == [(data["action_id"], MAIN_TENANT, "proposed", None)]  # stored, never run
    assert stages == [(data["action_id"], "proposed")]

    # Only the user's decision runs it, once (the actions flow), with their own token.
    decide = f"{service.url}{data['decision_path']}"
    async with httpx.AsyncClient(timeout=30) as client:
        viewer = await client.post(decide, json={"approve": True}, headers=auth("1001", MAIN_TENANT))
        stranger = await client.post(
            decide, json={"approve": True}, headers=auth("2002", SMALL_TENANT, roles=["analyst"])
        )
        approved = await client.post(
            decide, json={"approve": True}, headers=auth("1001", MAIN_TENANT, roles=["analyst"])
        )
        again = await client.post(decide, json={"approve": False}, headers=auth("1001", MAIN_TENANT, roles=["analyst"]))
    assert viewer.status_code == 403 and stranger.status_code == 404
    assert approved.status_code == 200 and approved.json()["status"] == "executed", approved.text
    assert again.json()["status"] == "executed" and again.json()["result"] == approved.json()["result"]
    with psycopg.connect(seeded_db) as conn:
        stages = conn.execute("SELECT stage FROM action_audit ORDER BY id").fetchall()
    assert [s for (s,) in stages] == ["proposed", "approved", "executed"]


@pytest.fixture
def mcp_settings(make_settings: Callable[..., Settings], seeded_db: str, request: pytest.FixtureRequest) -> Settings:
    limits = getattr(request, "param", {"*": 60})
    return make_settings(database_url=seeded_db, tool_rate_limits=limits)


@pytest.mark.parametrize("mcp_settings", [{"*": 3}], indirect=True)
async def test_the_tool_rate_limit_applies_and_is_shared_with_the_tool_api(
    connect: Connect, service: LiveServer, token_for: Token
) -> None:
    token = token_for("1001", MAIN_TENANT)
    async with connect(token) as session:
        results = [await session.call_tool("get_user_context", {}) for _ in range(3)]
        assert not any(r.is_error for r in results)
        limited = await session.call_tool("get_user_context", {})
        assert limited.is_error and limited.structured_content["error"]["code"] == "rate_limited"
        assert limited.structured_content["error"]["retryable"] is True
    http = await _http_call(service, token, "get_user_context", {})
    assert http.status_code == 429  # one limit per user and tool, whichever surface calls
    async with connect(token_for("1002", MAIN_TENANT)) as other_user:
        assert not (await other_user.call_tool("get_user_context", {})).is_error


async def test_prompts_for_the_two_chat_scenarios(connect: Connect, token_for: Token, demo: DemoIds) -> None:
    rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    async with connect(token_for("1001", MAIN_TENANT)) as session:
        prompts = {p.name: p for p in (await session.list_prompts()).prompts}
        assert set(prompts) == {"recommendation_chat", "analytics_chat"}
        assert [a.name for a in prompts["recommendation_chat"].arguments or []] == ["recommendation_id", "language"]
        chat = await session.get_prompt("recommendation_chat", {"recommendation_id": str(rec), "language": "en"})
        text = chat.messages[0].content.text  # type: ignore[union-attr]
        assert f"#{rec}" in text and "get_recommendation" in text and "propose_draft_change_plan" in text
        assert "English" in text
        costs = await session.get_prompt("analytics_chat", {"days": "90"})
        text = costs.messages[0].content.text  # type: ignore[union-attr]
        assert "90 days" in text and "get_analytics_overview" in text and "Russian" in text
        with pytest.raises(MCPError):
            await session.get_prompt("recommendation_chat", {"recommendation_id": "one"})
        with pytest.raises(MCPError):
            await session.get_prompt("analytics_chat", {"days": "0"})


async def test_recommendations_are_resources(
    connect: Connect, service: LiveServer, token_for: Token, demo: DemoIds
) -> None:
    token = token_for("1001", MAIN_TENANT)
    async with connect(token) as session:
        templates = (await session.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["infrazen://recommendations/{recommendation_id}"]
        listed = (await session.list_resources()).resources
        assert 1 <= len(listed) <= 10 and all(r.mime_type == "application/json" for r in listed)
        first = str(listed[0].uri)
        read = await session.read_resource(first)
        with pytest.raises(MCPError) as unknown:
            await session.read_resource("infrazen://resources/1")
        assert unknown.value.code == -32002
    rec_id = int(first.rsplit("/", 1)[1])
    http = await _http_call(service, token, "get_recommendation", {"recommendation_id": rec_id})
    assert json.loads(read.contents[0].text) == http.json()["data"]  # type: ignore[union-attr]
