"""The registry's guarantees with real Redis (rate limits) and Postgres (audit): never raising for
tool-level problems, schemas for the model, scopes, timeouts, output size limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from pydantic import BaseModel

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import Tool, ToolContext, ToolRegistry, get_registry
from infrazen_agent.tools.common import ToolInput


class EchoIn(ToolInput):
    n: int = 1


class EchoOut(BaseModel):
    items: list[dict[str, Any]]
    label: str


async def echo(ctx: ToolContext, args: EchoIn) -> tuple[EchoOut, str]:
    return EchoOut(items=[{"i": i, "text": "x" * 50} for i in range(args.n)], label="echo"), f"{args.n} items"


async def slow(ctx: ToolContext, args: EchoIn) -> tuple[EchoOut, str]:
    await asyncio.sleep(5)
    return EchoOut(items=[], label="late"), "late"


async def broken(ctx: ToolContext, args: EchoIn) -> tuple[EchoOut, str]:
    raise RuntimeError("secret internals")


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings)
    await rt.ensure_started()
    yield rt
    await rt.stop()


@pytest.fixture
def registry() -> ToolRegistry:
    reg = ToolRegistry()
    reg.register(Tool("echo", 1, "Echo v1.", EchoIn, EchoOut, echo, rate_per_minute=3, max_output_chars=2000))
    reg.register(Tool("echo", 2, "Echo v2.", EchoIn, EchoOut, echo, prompt="Use sparingly.", max_output_chars=2000))
    reg.register(Tool("slow", 1, "Slow.", EchoIn, EchoOut, slow, timeout_s=0.2))
    reg.register(Tool("broken", 1, "Broken.", EchoIn, EchoOut, broken))
    reg.register(Tool("delete_server", 1, "An action.", EchoIn, EchoOut, echo, scope="action", required_role="analyst"))
    return reg


def ctx(runtime: Runtime, **kw: Any) -> ToolContext:
    principal = kw.pop("principal", Principal(user_id="u1", tenant_id="t1"))
    return ToolContext(runtime=runtime, principal=principal, request_id=kw.pop("request_id", "req-1"), **kw)


async def audit_rows(settings: Settings) -> list[dict[str, Any]]:
    async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
        cur = await conn.execute(
            "SELECT tool, version, tenant_id, user_id, request_id, session_id, arguments, result, outcome,"
            " error_code, truncated, latency_ms FROM tool_calls ORDER BY id"
        )
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


def test_specs_are_openai_functions_without_versions() -> None:
    specs = get_registry().specs()
    assert len(specs) == 14
    for spec in specs:
        assert spec["type"] == "function"
        fn = spec["function"]
        assert "@" not in fn["name"] and fn["description"]
        assert fn["parameters"]["type"] == "object"
        # The model never passes a tenant: no tool's schema even has such a field.
        assert "tenant" not in json.dumps(fn["parameters"]["properties"])
        assert fn["parameters"].get("additionalProperties") is False
    chosen = get_registry().specs(["get_resource", "get_resource@v1", "nope"])
    assert [s["function"]["name"] for s in chosen] == ["get_resource", "get_resource"]


def test_versions_resolve_to_latest_and_prompts_join_description(registry: ToolRegistry) -> None:
    assert registry.resolve("echo") is registry.resolve("echo@v2")
    assert registry.resolve("echo@v1") is not None and registry.resolve("echo@v3") is None
    assert registry.resolve("echo@x") is None
    spec = registry.specs(["echo"])[0]["function"]
    assert spec["description"] == "Echo v2.\nUse sparingly."
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Tool("echo", 2, "dup", EchoIn, EchoOut, echo))


async def test_calls_are_audited_with_outcome(registry: ToolRegistry, runtime: Runtime, settings: Settings) -> None:
    ok = await registry.call("echo@v1", '{"n": 2}', ctx(runtime, session_id="s1"))
    assert (
        ok.ok
        and ok.name == "echo@v1"
        and ok.data == {"items": [{"i": 0, "text": "x" * 50}, {"i": 1, "text": "x" * 50}], "label": "echo"}
    )
    assert ok.summary == "2 items" and ok.latency_ms >= 0
    bad_json = await registry.call("echo", "{n: 2", ctx(runtime))
    tenant_arg = await registry.call("echo", {"n": 1, "tenant_id": "t2"}, ctx(runtime))
    wrong_type = await registry.call("echo", {"n": "many"}, ctx(runtime))
    unknown = await registry.call("nope", {}, ctx(runtime))
    assert [r.error["code"] if r.error else None for r in (bad_json, tenant_arg, wrong_type, unknown)] == [
        "invalid_input",
        "invalid_input",
        "invalid_input",
        "not_found",
    ]
    assert tenant_arg.error and "tenant always comes from the session" in tenant_arg.error["message"]
    rows = await audit_rows(settings)
    assert len(rows) == 5
    first = rows[0]
    assert (
        first["tool"],
        first["version"],
        first["tenant_id"],
        first["user_id"],
        first["request_id"],
        first["session_id"],
        first["outcome"],
    ) == ("echo", 1, "t1", "u1", "req-1", "s1", "ok")
    assert first["arguments"] == {"n": 2} and first["result"]["ok"] is True
    assert [r["error_code"] for r in rows[1:]] == ["invalid_input", "invalid_input", "invalid_input", "not_found"]
    assert rows[1]["arguments"] == {"raw": "{n: 2"}


async def test_rate_limit_is_per_user_and_tool(registry: ToolRegistry, runtime: Runtime) -> None:
    results = [await registry.call("echo@v1", {}, ctx(runtime)) for _ in range(4)]
    assert [r.ok for r in results] == [True, True, True, False]
    assert results[3].error and results[3].error["code"] == "rate_limited"
    other_user = ctx(runtime, principal=Principal(user_id="u2", tenant_id="t1"))
    assert (await registry.call("echo@v1", {}, other_user)).ok
    assert (await registry.call("echo@v2", {}, ctx(runtime))).ok  # v2 has the default, higher limit


async def test_timeout_and_internal_errors_are_results(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    late = await registry.call("slow", {}, ctx(runtime))
    assert late.error == {"code": "timeout", "message": "slow took longer than 0.2s"}
    assert late.latency_ms < 2000
    crash = await registry.call("broken", {}, ctx(runtime))
    assert crash.error and crash.error["code"] == "internal_error"
    assert "secret internals" not in crash.model_dump_json()
    assert [r["outcome"] for r in await audit_rows(settings)] == ["error", "error"]


async def test_large_outputs_are_paged_not_cut(registry: ToolRegistry, runtime: Runtime, settings: Settings) -> None:
    result = await registry.call("echo@v2", {"n": 200}, ctx(runtime))
    assert result.ok and result.truncated and result.data
    assert len(json.dumps(result.data)) <= 2000
    assert result.data["label"] == "echo"  # scalars survive; lists are halved
    kept = len(result.data["items"])
    assert 0 < kept < 200 and result.data["_omitted_items"] == {"items": 200 - kept}
    row = (await audit_rows(settings))[-1]
    assert row["truncated"] is True
    assert isinstance(row["result"], dict)  # still JSON in the audit


async def test_action_tools_need_role_write_access_and_confirmation(registry: ToolRegistry, runtime: Runtime) -> None:
    viewer = await registry.call("delete_server", {}, ctx(runtime))
    analyst = Principal(user_id="u1", tenant_id="t1", roles=("analyst",))
    unconfirmed = await registry.call("delete_server", {}, ctx(runtime, principal=analyst))
    demo = Principal(user_id="demo", tenant_id="t1", roles=("admin",), demo=True)
    demo_confirmed = await registry.call("delete_server", {}, ctx(runtime, principal=demo, confirmed=True))
    confirmed = await registry.call("delete_server", {}, ctx(runtime, principal=analyst, confirmed=True))
    assert [r.error["code"] if r.error else "ok" for r in (viewer, unconfirmed, demo_confirmed, confirmed)] == [
        "forbidden",
        "forbidden",
        "forbidden",
        "ok",
    ]
    assert unconfirmed.error and "confirmation" in unconfirmed.error["message"]
    assert all(t.scope == "read" for t in get_registry().tools())
