"""`infrazen-agent mcp` over stdio, spawned by the SDK's own `stdio_client`: the token from
INFRAZEN_MCP_TOKEN (or --token) decides the user and tenant; a bad token never starts a server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from infrazen_agent.config import Settings
from tests.conftest import TEST_SECRET
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds

Token = Callable[..., str]
CLI = str(Path(sys.executable).with_name("infrazen-agent"))


def _env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "AGENT_SERVICE_JWT_SECRET": TEST_SECRET,
        "AGENT_LOAD_DEMO": "false",
        "AGENT_DATA_DIR": str(tmp_path / "data"),
        "LLM_OFFLINE": "true",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


async def test_stdio_serves_the_tokens_tenant_only(
    seeded_settings: Settings, token_for: Token, demo: DemoIds, tmp_path: Path
) -> None:
    rid = demo.resource(MAIN_TENANT, "server")
    env = _env(seeded_settings, tmp_path) | {"INFRAZEN_MCP_TOKEN": token_for("1001", MAIN_TENANT)}
    params = StdioServerParameters(command=CLI, args=["mcp"], env=env, cwd=tmp_path)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"get_resource", "get_analytics_overview"} <= names and "create_ticket" not in names
        result = await session.call_tool("get_resource", {"resource_id": rid})
        assert not result.is_error and result.structured_content["resource"]["id"] == rid
    other = StdioServerParameters(
        command=CLI, args=["mcp", "--token", token_for("2002", SMALL_TENANT)], env=env, cwd=tmp_path
    )
    async with stdio_client(other) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        refused = await session.call_tool("get_resource", {"resource_id": rid})
        assert refused.is_error and refused.structured_content["error"]["code"] == "not_found"
    with psycopg.connect(seeded_settings.database_url) as conn:
        rows = conn.execute("SELECT tool, tenant_id, user_id, outcome FROM tool_calls ORDER BY id").fetchall()
    assert rows == [("get_resource", MAIN_TENANT, "1001", "ok"), ("get_resource", SMALL_TENANT, "2002", "error")]


def test_stdio_refuses_a_missing_or_expired_token(seeded_settings: Settings, token_for: Token, tmp_path: Path) -> None:
    env = _env(seeded_settings, tmp_path) | {"PATH": "/usr/bin:/bin"}
    for extra in ([], ["--token", token_for("1001", MAIN_TENANT, ttl_s=-120)]):
        done = subprocess.run(
            [CLI, "mcp", *extra], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 2 and done.stdout == "", done.stderr
        assert ("no token" if not extra else "token expired") in done.stderr
