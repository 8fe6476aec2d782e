"""The registry's guarantees with real Redis (rate limits) and Postgres (audit): never raising for
tool-level problems, schemas for the model, scopes, timeouts, output size limits."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from pydantic import BaseModel

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import Tool, ToolContext, ToolRegistry, get_registry
from infrazen_agent.tools.common import ToolInput, source_of
from infrazen_agent.tools.registry import AuditWrites
from infrazen_agent.tools.shared_reads import SharedReads
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds
from tests.support.servers import free_port


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
def registry() -> ToolRegistry:
    reg = ToolRegistry()
    reg.register(Tool("echo", 1, "Echo v1.", EchoIn, EchoOut, echo, rate_limit=3, max_output_chars=2000))
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
    assert len(specs) == 20  # 17 read tools and 3 action tools
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
    actions = {t.name for t in get_registry().tools() if t.scope == "action"}
    assert actions == {"draft_change_plan", "create_ticket", "create_report"}  # the catalog's only writers


async def test_a_batch_answers_in_order_with_one_audit_row_per_call(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    results = await registry.call_many(
        [("echo@v1", {"n": 1}), ("nope", {}), ("echo", {"tenant_id": "t2"}), ("broken", {}), ("echo", "{n: 2")],
        ctx(runtime, request_id="req-batch"),
    )
    assert [r.error["code"] if r.error else "ok" for r in results] == [
        "ok",
        "not_found",
        "invalid_input",
        "internal_error",
        "invalid_input",
    ]
    assert results[0].name == "echo@v1" and results[0].data == {"items": [{"i": 0, "text": "x" * 50}], "label": "echo"}
    rows = await audit_rows(settings)
    assert [(r["tool"], r["outcome"], r["error_code"]) for r in rows] == [
        ("echo", "ok", None),
        ("nope", "error", "not_found"),
        ("echo", "error", "invalid_input"),
        ("broken", "error", "internal_error"),
        ("echo", "error", "invalid_input"),
    ]
    assert {(r["tenant_id"], r["user_id"], r["request_id"]) for r in rows} == {("t1", "u1", "req-batch")}
    assert rows[2]["arguments"] == {"tenant_id": "t2"} and rows[4]["arguments"] == {"raw": "{n: 2"}
    assert all(r["latency_ms"] >= 0 for r in rows)


async def test_concurrent_batches_of_two_tenants_audit_each_as_its_own(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    one = ctx(runtime, principal=Principal(user_id="u1", tenant_id="t1"), request_id="req-t1")
    two = ctx(runtime, principal=Principal(user_id="u2", tenant_id="t2"), request_id="req-t2")
    await asyncio.gather(
        registry.call_many([("echo", {"n": 1}), ("echo", {"n": 2}), ("nope", {})], one),
        registry.call_many([("echo", {"n": 3}), ("broken", {})], two),
    )
    rows = await audit_rows(settings)
    by_request = {rid: [r for r in rows if r["request_id"] == rid] for rid in ("req-t1", "req-t2")}
    assert len(rows) == 5 and [len(v) for v in by_request.values()] == [3, 2]
    assert {(r["tenant_id"], r["user_id"]) for r in by_request["req-t1"]} == {("t1", "u1")}
    assert {(r["tenant_id"], r["user_id"]) for r in by_request["req-t2"]} == {("t2", "u2")}
    assert [r["arguments"] for r in by_request["req-t1"]] == [{"n": 1}, {"n": 2}, {}]
    assert [r["arguments"] for r in by_request["req-t2"]] == [{"n": 3}, {}]


async def test_a_batch_counts_every_call_against_the_rate_limit(registry: ToolRegistry, runtime: Runtime) -> None:
    batch = await registry.call_many([("echo@v1", {}) for _ in range(4)], ctx(runtime))
    assert [r.ok for r in batch] == [True, True, True, False]
    assert batch[3].error and batch[3].error["code"] == "rate_limited"
    assert not (await registry.call("echo@v1", {}, ctx(runtime))).ok  # the batch's calls counted
    mixed = await registry.call_many([("echo@v2", {}), ("echo@v1", {})], ctx(runtime))
    assert [r.ok for r in mixed] == [True, False]


async def test_deferred_audit_rows_are_written_by_flush(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    audits = AuditWrites()
    deferred = ctx(runtime, audits=audits, request_id="req-deferred")
    first = await registry.call_many([("echo", {"n": 1}), ("broken", {})], deferred)
    second = await registry.call("echo", {"n": 2}, deferred)
    assert [r.ok for r in first] == [True, False] and second.ok
    await audits.flush()
    rows = await audit_rows(settings)
    assert [(r["tool"], r["outcome"], r["request_id"]) for r in rows] == [
        ("echo", "ok", "req-deferred"),
        ("broken", "error", "req-deferred"),
        ("echo", "ok", "req-deferred"),
    ]


async def test_held_audit_rows_wait_for_flush_and_keep_their_order(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    audits = AuditWrites(held=True)
    held = ctx(runtime, audits=audits, request_id="req-held")
    await registry.call_many([("echo", {"n": 1}), ("broken", {})], held)
    await registry.call("echo", {"n": 2}, held)
    await asyncio.sleep(0.05)
    assert await audit_rows(settings) == []  # nothing written between the batches
    await audits.flush()
    rows = await audit_rows(settings)
    assert [(r["tool"], r["outcome"], r["request_id"]) for r in rows] == [
        ("echo", "ok", "req-held"),
        ("broken", "error", "req-held"),
        ("echo", "ok", "req-held"),
    ]
    await audits.flush()  # a second flush writes nothing twice
    assert len(await audit_rows(settings)) == 3


async def nul(ctx: ToolContext, args: EchoIn) -> tuple[EchoOut, str]:
    return EchoOut(items=[], label="a\x00b"), "a result Postgres's jsonb refuses"


async def test_concurrent_requests_share_audit_inserts_and_keep_their_own_tenant(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    registry.register(Tool("nul", 1, "NUL.", EchoIn, EchoOut, nul))

    async def turns(tenants: list[str]) -> None:
        writes = [AuditWrites(held=True) for _ in tenants]
        for tenant, audits in zip(tenants, writes, strict=True):
            who = ctx(runtime, principal=Principal(user_id=f"u-{tenant}", tenant_id=tenant), audits=audits)
            calls: list[tuple[str, dict[str, Any] | str]] = [("echo", {"n": 1}), ("echo@v2", {"n": 2})]
            await registry.call_many(
                [*calls, ("nul", {})] if tenant == "bad" else calls, replace(who, request_id=tenant)
            )
        await asyncio.gather(*(audits.flush() for audits in writes))  # the turns end at once

    async def rows() -> list[tuple[str, str, str, str, str]]:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            cur = await conn.execute(
                "SELECT xmin::text, tenant_id, user_id, request_id, tool FROM tool_calls ORDER BY id"
            )
            return [tuple(r) for r in await cur.fetchall()]  # type: ignore[misc]

    await turns(["t1", "t2", "t3"])
    first = await rows()
    assert len({r[0] for r in first}) == 1  # one statement for the three requests' rows
    assert [r[1:4] for r in first] == [(t, f"u-{t}", t) for t in ("t1", "t2", "t3") for _ in range(2)]
    # A request whose rows Postgres refuses (NUL in a result) costs only its bad row: the other
    # request's rows and its own good ones are written, each under its own tenant.
    await turns(["bad", "t4"])
    second = (await rows())[len(first) :]
    assert sorted(r[1:5] for r in second) == sorted(
        [("bad", "u-bad", "bad", "echo")] * 2 + [("t4", "u-t4", "t4", "echo")] * 2
    )


async def test_shared_read_survives_a_cancelled_reader_and_runs_once() -> None:
    reads = SharedReads()
    started = 0

    async def read() -> str:
        nonlocal started
        started += 1
        await asyncio.sleep(0.05)
        return "row"

    impatient = asyncio.ensure_future(reads.once("k", read))
    patient = asyncio.ensure_future(reads.once("k", read))
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == "row" and started == 1
    assert impatient.cancelled()
    assert await reads.once("k", read) == "row" and started == 1  # the batch's answer is kept


seen: list[object] = []


class PeekIn(ToolInput):
    recommendation_id: int


class PeekOut(BaseModel):
    id: int


async def peek(ctx: ToolContext, args: PeekIn) -> tuple[PeekOut, str]:
    rec = await source_of(ctx).recommendation(ctx.principal, args.recommendation_id)
    seen.append(rec)
    return PeekOut(id=rec.id), "peeked"


async def test_calls_of_a_batch_share_point_reads_within_the_tenant(seeded_runtime: Runtime, demo: DemoIds) -> None:
    reg = ToolRegistry()
    reg.register(Tool("peek", 1, "Peek.", PeekIn, PeekOut, peek))
    reg.register(Tool("peek_too", 1, "Peek too.", PeekIn, PeekOut, peek))
    rec_id = demo.recommendation(MAIN_TENANT, "rightsize_cpu")
    owner = ctx(seeded_runtime, principal=Principal(user_id=demo.owner(MAIN_TENANT), tenant_id=MAIN_TENANT))
    seen.clear()
    both = await reg.call_many(
        [("peek", {"recommendation_id": rec_id}), ("peek_too", {"recommendation_id": rec_id})], owner
    )
    assert [r.data for r in both] == [{"id": rec_id}, {"id": rec_id}]
    assert len(seen) == 2 and seen[0] is seen[1]  # one read answered both calls
    await reg.call_many([("peek", {"recommendation_id": rec_id})], owner)
    assert seen[2] is not seen[0]  # the next batch reads again: nothing outlives a batch
    stranger = ctx(seeded_runtime, principal=Principal(user_id=demo.owner(SMALL_TENANT), tenant_id=SMALL_TENANT))
    missing = await reg.call_many(
        [("peek", {"recommendation_id": rec_id}), ("peek_too", {"recommendation_id": rec_id})], stranger
    )
    assert [r.error["code"] if r.error else "ok" for r in missing] == ["not_found", "not_found"]


async def test_a_tool_reading_a_recommendation_and_its_resource_costs_one_statement(
    seeded_runtime: Runtime, demo: DemoIds, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infrazen_agent.data.sql_source import SqlSource

    separate: list[int] = []
    own_read = SqlSource.resource

    async def resource(self: SqlSource, principal: Principal, resource_id: int) -> Any:
        separate.append(resource_id)
        return await own_read(self, principal, resource_id)

    monkeypatch.setattr(SqlSource, "resource", resource)
    owner = ctx(seeded_runtime, principal=Principal(user_id=demo.owner(MAIN_TENANT), tenant_id=MAIN_TENANT))
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    effort, plan = await get_registry().call_many(
        [
            ("estimate_migration_effort", {"recommendation_id": rec_id}),
            ("generate_step_plan", {"recommendation_id": rec_id}),
        ],
        owner,
    )
    assert effort.ok and plan.ok and separate == []  # the resource came with the recommendation
    # A recommendation naming another tenant's resource: that resource is read on its own, within
    # the caller's tenant, and is not found; nothing of the other tenant reaches the result.
    foreign = demo.resource(SMALL_TENANT, "server")
    async with seeded_runtime.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO recommendations (id, tenant_id, resource_id, rec_type, category, status, severity, title,"
            " current_monthly, target_monthly, savings_monthly, currency, confidence, rule, evidence,"
            " created_at, updated_at)"
            " SELECT 990002, tenant_id, %s, rec_type, category, status, severity, title, current_monthly,"
            " target_monthly, savings_monthly, currency, confidence, rule, evidence, created_at, updated_at"
            " FROM recommendations WHERE id = %s",
            (foreign, rec_id),
        )
    odd = await get_registry().call("estimate_migration_effort", {"recommendation_id": 990002}, owner)
    assert not odd.ok and odd.error is not None and odd.error["code"] == "not_found"
    assert separate == [foreign]


async def test_a_rate_limit_outage_fails_each_call_of_the_batch_and_audits_it(
    registry: ToolRegistry, make_settings: Callable[..., Settings], settings: Settings
) -> None:
    no_redis = Runtime(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    await no_redis.ensure_started()
    try:
        results = await registry.call_many([("echo", {}), ("nope", {}), ("echo@v1", {})], ctx(no_redis))
    finally:
        await no_redis.stop()
    # Redis away is a retryable outage, not a bug
    assert [r.error["code"] if r.error else "ok" for r in results] == ["unavailable", "not_found", "unavailable"]
    assert all("Error" not in (r.error or {}).get("message", "") for r in results)  # no internals leak
    assert [r["error_code"] for r in await audit_rows(settings)] == ["unavailable", "not_found", "unavailable"]


async def test_a_row_postgres_refuses_costs_only_itself(
    registry: ToolRegistry, runtime: Runtime, settings: Settings
) -> None:
    # jsonb refuses the NUL character: the refused call is still audited, its arguments scrubbed.
    calls = [("echo", {"n": 1}), ("echo", "\x00{"), ("echo", {"n": "a\x00b"}), ("nope", {})]
    results = await registry.call_many(calls, ctx(runtime))
    assert [r.error["code"] if r.error else "ok" for r in results] == [
        "ok",
        "invalid_input",
        "invalid_input",
        "not_found",
    ]
    rows = await audit_rows(settings)
    assert [(r["tool"], r["outcome"]) for r in rows] == [
        ("echo", "ok"),
        ("echo", "error"),
        ("echo", "error"),
        ("nope", "error"),
    ]


async def test_an_audit_outage_is_one_failed_write_not_one_per_row(
    registry: ToolRegistry, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    # Row-by-row retries are for rows Postgres refuses; with Postgres gone they would only
    # multiply the wait (one pool timeout per row) before the caller gets its answer.
    await runtime.pool.close()
    with caplog.at_level(logging.ERROR, logger="infrazen_agent.tools"):
        results = await registry.call_many([("echo", {"n": i}) for i in range(3)], ctx(runtime))
    assert [r.ok for r in results] == [True, True, True]  # the answers do not depend on the audit
    assert sum("tool audit write failed" in r.getMessage() for r in caplog.records) == 1
