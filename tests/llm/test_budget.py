"""Budgets in real Redis with the ledger in real Postgres: the tenant's daily cap trips with a
clear `budget_exceeded`, per tenant (two tenants, no leakage); the per-user rate counts turns."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infrazen_agent.errors import BudgetExceeded, RateLimited
from infrazen_agent.llm import CallMeta, LLMGateway
from infrazen_agent.llm.budget import spend_key, spenders_key
from infrazen_agent.llm.ledger import spend_since
from infrazen_agent.llm.types import TextDelta
from tests.support.llm_server import Reply, ScriptedLLMServer

MakeGateway = Callable[..., Awaitable[LLMGateway]]
HELLO = [{"role": "user", "content": "hello"}]


def meta(tenant: str, user: str = "u1", turn: str | None = None) -> CallMeta:
    return CallMeta(tenant_id=tenant, user_id=user, scenario="chat_recommendation", turn_id=turn)


async def test_daily_cap_trips_for_that_tenant_only(make_gateway: MakeGateway, llm_server: ScriptedLLMServer) -> None:
    gateway = await make_gateway(tenant_daily_budget_usd=0.01)
    llm_server.script(Reply(text="pricey", cost=0.006), Reply(text="pricier", cost=0.006))
    await gateway.complete(HELLO, meta=meta("tenant-a"))
    await gateway.complete(HELLO, meta=meta("tenant-a"))  # 0.006 < 0.01: still allowed
    sent = len(llm_server.requests)
    with pytest.raises(BudgetExceeded) as info:
        await gateway.complete(HELLO, meta=meta("tenant-a"))
    err = info.value
    assert (err.status, err.code) == (429, "budget_exceeded") and "0.01 USD" in err.message
    assert err.details["spent_usd"] == pytest.approx(0.012) and err.details["period"] == "day"
    with pytest.raises(BudgetExceeded):  # streaming refuses before any request as well
        [e async for e in gateway.stream(HELLO, meta=meta("tenant-a"))]
    assert len(llm_server.requests) == sent
    # Another tenant's spend is its own.
    done = await gateway.complete(HELLO, meta=meta("tenant-b"))
    assert done.content == "ok"
    assert await gateway.budget.spent_today("tenant-b") == pytest.approx(done.usage.cost_usd)


async def test_running_total_is_rebuilt_from_the_ledger(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(tenant_daily_budget_usd=0.01)
    llm_server.script(Reply(text="a", cost=0.004), Reply(text="b", cost=0.007), Reply(text="other", cost=0.5))
    await gateway.complete(HELLO, meta=meta("tenant-a"))
    await gateway.complete(HELLO, meta=meta("tenant-a"))
    await gateway.complete(HELLO, meta=meta("tenant-b"))
    await gateway.flush()  # ledger rows are written in the background
    await gateway.runtime.redis.flushall()  # a Redis restart loses the running totals
    with pytest.raises(BudgetExceeded):
        await gateway.complete(HELLO, meta=meta("tenant-a"))
    assert await gateway.runtime.redis.exists(spend_key("tenant-a", time.time()))
    since = datetime.now(UTC) - timedelta(days=1)
    assert await spend_since(gateway.runtime.pool, "tenant-a", since) == pytest.approx(0.011)
    assert await spend_since(gateway.runtime.pool, "tenant-b", since) == pytest.approx(0.5)


async def test_a_burst_that_finds_no_running_total_rebuilds_it_once(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infrazen_agent.llm import budget

    gateway = await make_gateway(tenant_daily_budget_usd=1.0)
    llm_server.script(Reply(text="a", cost=0.25))
    await gateway.complete(HELLO, meta=meta("tenant-a"))
    await gateway.flush()
    await gateway.runtime.redis.flushall()  # a new day or a Redis restart: no running total
    queries: list[str] = []

    async def counted(pool: Any, tenant_id: str, since: datetime) -> float:
        queries.append(tenant_id)
        return await spend_since(pool, tenant_id, since)  # the real ledger query

    monkeypatch.setattr(budget, "spend_since", counted)
    totals = await asyncio.gather(*(gateway.budget.spent_today("tenant-a") for _ in range(50)))
    assert totals == [pytest.approx(0.25)] * 50 and queries == ["tenant-a"]
    assert await gateway.budget.spent_today("tenant-b") == 0.0 and queries == ["tenant-a", "tenant-b"]


async def test_per_user_rate_counts_turns_not_tool_steps(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(user_requests_per_minute=2)
    for _ in range(3):  # three model steps of one turn count once
        await gateway.complete(HELLO, meta=meta("t", "alice", turn="turn-1"))
    await gateway.complete(HELLO, meta=meta("t", "alice", turn="turn-2"))
    with pytest.raises(RateLimited) as info:
        await gateway.complete(HELLO, meta=meta("t", "alice", turn="turn-3"))
    assert info.value.code == "rate_limited" and info.value.headers and "Retry-After" in info.value.headers
    # Another user of the same tenant and the same user id in another tenant are not limited.
    await gateway.complete(HELLO, meta=meta("t", "bob", turn="turn-1"))
    await gateway.complete(HELLO, meta=meta("other-tenant", "alice", turn="turn-9"))


async def test_daily_cap_trips_for_an_unpriced_model(make_gateway: MakeGateway, llm_server: ScriptedLLMServer) -> None:
    """No provider cost, no table entry: the tokens at the default price count against the cap."""
    gateway = await make_gateway(
        tenant_daily_budget_usd=0.01, llm_default_price_per_mtok_in=1.0, llm_default_price_per_mtok_out=2.0
    )
    llm_server.script(Reply(text="long", usage=(4_000, 1_000)), Reply(text="longer", usage=(4_000, 1_000)))
    first = await gateway.complete(HELLO, meta=meta("tenant-a"))
    assert (first.usage.cost_usd, first.usage.cost_source) == (pytest.approx(0.006), "estimated")
    await gateway.complete(HELLO, meta=meta("tenant-a"))  # 0.006 < 0.01: still allowed
    sent = len(llm_server.requests)
    with pytest.raises(BudgetExceeded) as info:
        await gateway.complete(HELLO, meta=meta("tenant-a"))
    assert info.value.details["spent_usd"] == pytest.approx(0.012) and len(llm_server.requests) == sent
    await gateway.flush()
    async with gateway.runtime.pool.connection() as conn:
        cur = await conn.execute("SELECT cost_source, cost_usd FROM llm_calls ORDER BY id")
        rows = [(r["cost_source"], float(r["cost_usd"])) for r in await cur.fetchall()]
    assert rows == [("estimated", pytest.approx(0.006))] * 2


async def test_a_charge_that_fails_in_redis_does_not_fail_the_answer(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Charging happens after the answer, off its path: a Redis error there is logged, the
    answer stands, and the ledger row (the source the total is rebuilt from) keeps the cost."""
    gateway = await make_gateway(tenant_daily_budget_usd=1.0)
    now = time.time()
    await gateway.runtime.redis.set(spend_key("tenant-a", now), "0")
    await gateway.runtime.redis.set(spenders_key(now), "not a sorted set")  # the charge's ZADD fails
    llm_server.script(Reply(text="fine", cost=0.002))
    done = await gateway.complete(HELLO, meta=meta("tenant-a"))
    assert done.content == "fine"
    await gateway.flush()
    assert "charging the running total failed" in caplog.text
    day_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert await spend_since(gateway.runtime.pool, "tenant-a", day_start) == pytest.approx(0.002)


async def test_a_burst_of_calls_of_two_tenants_charges_each_total_exactly(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    """Charges made while others are being written are owed, summed per tenant and written in
    the next pipeline: nothing is lost or charged twice, and no tenant gets another's cost."""
    gateway = await make_gateway(tenant_daily_budget_usd=100.0)
    llm_server.default_reply = Reply(text="ok", cost=0.001)
    for tenant in ("tenant-a", "tenant-b"):  # the totals exist (rebuilt once, from an empty ledger)
        assert await gateway.budget.spent_today(tenant) == 0.0
    calls = [meta("tenant-a", f"u{i}") for i in range(30)] + [meta("tenant-b", f"u{i}") for i in range(12)]
    await asyncio.gather(*(gateway.complete(HELLO, meta=m) for m in calls))
    assert await gateway.budget.spent_today("tenant-a") == pytest.approx(0.030)
    assert await gateway.budget.spent_today("tenant-b") == pytest.approx(0.012)
    await gateway.flush()
    since = datetime.now(UTC) - timedelta(days=1)
    assert await spend_since(gateway.runtime.pool, "tenant-a", since) == pytest.approx(0.030)
    assert await spend_since(gateway.runtime.pool, "tenant-b", since) == pytest.approx(0.012)


async def test_a_calls_ledger_row_is_written_only_after_its_charge(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    """Otherwise a total rebuilt from the ledger between the two (a new day, a Redis restart, on
    another replica) would hold the call, and its charge would land on top: counted twice. Redis
    is paused (CLIENT PAUSE) while the answer finishes, so the charge waits; the row must too."""
    import redis.asyncio as aioredis

    gateway = await make_gateway(tenant_daily_budget_usd=1.0)
    assert await gateway.budget.spent_today("tenant-a") == 0.0  # the running total exists
    llm_server.script(Reply(text="later", cost=0.003, delay_first_token_s=0.3))
    since = datetime.now(UTC) - timedelta(days=1)
    other = aioredis.Redis.from_url(gateway.settings.redis_url)
    try:
        stream = asyncio.ensure_future(_drain(gateway.stream(HELLO, meta=meta("tenant-a"))))
        deadline = time.monotonic() + 5
        while not llm_server.requests and time.monotonic() < deadline:  # admitted, answer pending
            await asyncio.sleep(0.01)
        await other.execute_command("CLIENT", "PAUSE", "700", "WRITE")
        assert await stream == "later"  # the answer does not wait for its charge
        await asyncio.sleep(0.2)
        assert await spend_since(gateway.runtime.pool, "tenant-a", since) == 0.0  # the row waits too
    finally:
        await other.aclose()
    await gateway.flush()
    assert await spend_since(gateway.runtime.pool, "tenant-a", since) == pytest.approx(0.003)
    assert await gateway.budget.spent_today("tenant-a") == pytest.approx(0.003)


async def _drain(events: Any) -> str:
    return "".join([e.text async for e in events if isinstance(e, TextDelta)])


async def test_a_one_shot_answer_returns_with_its_cost_in_the_running_total(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    """`complete` (texts, one request each) waits for its charge: a serverless process may be
    frozen right after the response. Read straight from Redis, not through `spent_today`."""
    gateway = await make_gateway(tenant_daily_budget_usd=1.0)
    assert await gateway.budget.spent_today("tenant-a") == 0.0
    llm_server.script(Reply(text="x", cost=0.004))
    await gateway.complete(HELLO, meta=meta("tenant-a"))
    raw = await gateway.runtime.redis.get(spend_key("tenant-a", time.time()))
    assert raw is not None and float(raw) == pytest.approx(0.004)


async def test_the_steps_of_one_loop_follow_its_first_admission(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    """One `Admission` per agent loop: after its first call, a spent budget does not stop its
    next step (the next loop is refused), and a chain cooling down here says so, never
    `budget_exceeded`."""
    from infrazen_agent.errors import Unavailable
    from infrazen_agent.llm.types import Admission

    gateway = await make_gateway(tenant_daily_budget_usd=0.01)
    loop = replace(meta("tenant-a", turn="turn-1"), admission=Admission())
    llm_server.script(Reply(text="first step", cost=0.02), Reply(text="second step"))
    await gateway.complete(HELLO, meta=loop)  # admitted; its cost spends the day's budget
    assert loop.admission is not None and loop.admission.admitted
    assert (await gateway.complete(HELLO, meta=loop)).content == "second step"
    with pytest.raises(BudgetExceeded):  # the next loop (turn) has its own admission
        await gateway.complete(HELLO, meta=replace(meta("tenant-a", turn="turn-2"), admission=Admission()))
    sent = len(llm_server.requests)
    for model in gateway.text_chain:
        await gateway.cooldowns.start(model, 60)
    with pytest.raises(Unavailable) as info:
        await gateway.complete(HELLO, meta=loop)
    assert not isinstance(info.value, BudgetExceeded) and "cooling down" in info.value.message
    assert len(llm_server.requests) == sent
