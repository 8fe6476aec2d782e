"""The gateway against the scripted OpenAI-compatible server over real HTTP/SSE, with the ledger
in real Postgres and cooldowns in real Redis: streaming, tool-call assembly, retries, fallback,
timeouts, cut streams, non-streaming calls and offline mode — each through both transports
(the direct OpenAI-compatible client and LiteLLM)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY

from infrazen_agent.errors import Unavailable
from infrazen_agent.llm import (
    CallMeta,
    Done,
    LLMGateway,
    LLMStreamError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolCallInvalid,
    ToolCallsReady,
)
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

MakeGateway = Callable[..., Awaitable[LLMGateway]]


@pytest.fixture(params=["auto", "litellm"], ids=["direct", "litellm"])
def make_gateway(request: pytest.FixtureRequest, make_gateway: MakeGateway) -> MakeGateway:
    """Every test runs through both transports with the same expectations."""

    async def build(**overrides: Any) -> LLMGateway:
        gateway = await make_gateway(**{"llm_transport": request.param, **overrides})
        direct = gateway._direct is not None  # which transport is under test
        online_on_base = gateway.offline_reason is None and bool(gateway.settings.llm_api_base)
        assert direct == (request.param == "auto" and online_on_base)
        return gateway

    return build


META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics", session_id="s1", turn_id="turn-1")
HELLO = [{"role": "user", "content": "hello"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_resource",
            "description": "one resource",
            "parameters": {"type": "object", "properties": {"resource_id": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_cost_trends",
            "description": "trends",
            "parameters": {"type": "object", "properties": {"days": {"type": "integer"}}},
        },
    },
]


async def collect(gateway: LLMGateway, meta: CallMeta = META, **kw: Any) -> list[StreamEvent]:
    messages = kw.pop("messages", HELLO)
    return [event async for event in gateway.stream(messages, meta=meta, **kw)]


async def ledger(gateway: LLMGateway) -> list[dict[str, Any]]:
    await gateway.flush()  # rows are written off the answer's critical path
    async with gateway.runtime.pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM llm_calls ORDER BY id")
        return list(await cur.fetchall())


def models_asked(server: ScriptedLLMServer) -> list[str]:
    return [body["model"] for body in server.requests]


async def test_streams_text_deltas_then_done(make_gateway: MakeGateway, llm_server: ScriptedLLMServer) -> None:
    gateway = await make_gateway()
    llm_server.script(Reply(text="Your top cost is compute.", chunk_size=5, usage=(42, 7)))
    events = await collect(gateway, max_tokens=100, temperature=0.1)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 5 and "".join(deltas) == "Your top cost is compute."
    done = events[-1]
    assert isinstance(done, Done) and done.content == "Your top cost is compute."
    assert (done.model, done.fallback_used, done.finish_reason) == ("openai/scripted-text", False, "stop")
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (42, 7)
    assert done.ttft_ms is not None and 0 < done.ttft_ms <= done.latency_ms
    body = llm_server.requests[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == HELLO and body["max_tokens"] == 100 and body["temperature"] == 0.1
    assert gateway.mode == "online" and gateway.is_online()


async def test_tool_calls_split_into_fragments_are_reassembled(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    llm_server.script(
        Reply(
            text="Checking.",
            chunk_size=3,
            tool_calls=[
                ScriptedToolCall("get_resource", '{"resource_id": "srv-web-1"}', id="call_a"),
                ScriptedToolCall("get_cost_trends", '{"days": 30}', id="call_b"),
            ],
        )
    )
    events = await collect(gateway, tools=TOOLS)
    ready = [e for e in events if isinstance(e, ToolCallsReady)]
    assert len(ready) == 1
    assert [(c.id, c.name, c.arguments) for c in ready[0].calls] == [
        ("call_a", "get_resource", {"resource_id": "srv-web-1"}),
        ("call_b", "get_cost_trends", {"days": 30}),
    ]
    done = events[-1]
    assert isinstance(done, Done) and done.finish_reason == "tool_calls" and done.tool_calls == ready[0].calls
    assert not any(isinstance(e, ToolCallInvalid) for e in events)
    assert [t["function"]["name"] for t in llm_server.requests[0]["tools"]] == [
        "get_resource",
        "get_cost_trends",
    ]


async def test_invalid_tool_call_json_is_reported_not_executed(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    llm_server.script(
        Reply(
            chunk_size=4,
            tool_calls=[
                ScriptedToolCall("get_resource", '{"resource_id": "srv-1"', id="call_bad"),  # unterminated
                ScriptedToolCall("get_cost_trends", "[30]", id="call_list"),  # JSON, but not an object
                ScriptedToolCall("get_cost_trends", '{"days": 7}', id="call_ok"),
            ],
        )
    )
    events = await collect(gateway, tools=TOOLS)
    invalid = [e for e in events if isinstance(e, ToolCallInvalid)]
    assert [(e.id, e.name, e.raw_arguments) for e in invalid] == [
        ("call_bad", "get_resource", '{"resource_id": "srv-1"'),
        ("call_list", "get_cost_trends", "[30]"),
    ]
    assert "not valid JSON" in invalid[0].error and "JSON object" in invalid[1].error
    ready = [e for e in events if isinstance(e, ToolCallsReady)]
    assert [c.id for r in ready for c in r.calls] == ["call_ok"]  # only the valid call may run
    done = events[-1]
    assert isinstance(done, Done) and [c.id for c in done.invalid_tool_calls] == ["call_bad", "call_list"]


async def test_500_on_first_model_falls_back_and_cools_it_down(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=1)
    llm_server.script(Reply(status=500), Reply(status=500), Reply(text="from the fallback"))
    events = await collect(gateway)
    done = events[-1]
    assert isinstance(done, Done) and done.content == "from the fallback"
    assert done.model == "openai/scripted-fallback" and done.fallback_used and done.retries == 1
    assert models_asked(llm_server) == ["scripted-text", "scripted-text", "scripted-fallback"]
    rows = await ledger(gateway)
    assert len(rows) == 1 and rows[0]["fallback_used"] and rows[0]["outcome"] == "ok"
    assert rows[0]["models_tried"] == ["openai/scripted-text", "openai/scripted-fallback"]
    # The failed model cools down (in Redis, shared by replicas): the next call skips it.
    assert await gateway.runtime.redis.pttl("llm:cooldown:openai/scripted-text") > 0
    llm_server.requests.clear()
    await collect(gateway)
    assert models_asked(llm_server) == ["scripted-fallback"]
    assert gateway.mode == "online"


async def test_429_then_success_is_retried_on_the_same_model(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=2)
    llm_server.script(Reply(status=429, retry_after_s=0.05), Reply(text="after a pause"))
    before = REGISTRY.get_sample_value("agent_llm_retries_total", {"model": "openai/scripted-text"}) or 0
    done = (await collect(gateway))[-1]
    assert isinstance(done, Done) and done.content == "after a pause"
    assert (done.model, done.fallback_used, done.retries) == ("openai/scripted-text", False, 1)
    assert models_asked(llm_server) == ["scripted-text", "scripted-text"]
    assert (await ledger(gateway))[0]["retries"] == 1
    after = REGISTRY.get_sample_value("agent_llm_retries_total", {"model": "openai/scripted-text"})
    assert after == before + 1


async def test_hung_first_token_times_out_then_falls_back(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=0, llm_first_token_timeout_s=0.3)
    llm_server.script(Reply(text="too late", delay_first_token_s=5), Reply(text="fallback in time"))
    t0 = time.perf_counter()
    done = (await collect(gateway))[-1]
    assert time.perf_counter() - t0 < 2.0
    assert isinstance(done, Done) and done.content == "fallback in time" and done.fallback_used
    assert models_asked(llm_server) == ["scripted-text", "scripted-fallback"]
    row = (await ledger(gateway))[0]
    assert row["outcome"] == "ok" and "first_token_timeout" in row["error"]  # why it fell back


async def test_slow_stream_after_first_token_hits_the_total_timeout(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=0, llm_timeout_s=0.5, llm_fallback_models=[])
    llm_server.script(Reply(text="abcdefgh", chunk_size=1, delay_between_chunks_s=0.2))
    with pytest.raises(LLMStreamError):
        await collect(gateway)
    rows = await ledger(gateway)
    assert rows[0]["outcome"] == "stream_error" and "timeout" in rows[0]["error"]


async def test_stream_cut_midway_raises_after_deltas_and_records_no_answer(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    llm_server.script(Reply(text="The answer is forty-two and", chunk_size=4, cut_after_chunks=4))
    events: list[StreamEvent] = []
    with pytest.raises(LLMStreamError) as info:
        async for event in gateway.stream(HELLO, meta=META):
            events.append(event)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["The ", "answ", "er i"]
    assert not any(isinstance(e, Done) for e in events)  # no complete message to store
    assert isinstance(info.value, Unavailable) and info.value.code == "llm_stream_error"
    assert len(llm_server.requests) == 1  # text was shown: never retried (it would repeat itself)
    rows = await ledger(gateway)
    assert [r["outcome"] for r in rows] == ["stream_error"]


async def test_stream_cut_before_any_text_is_retried_transparently(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    llm_server.script(Reply(text="lost", cut_after_chunks=1), Reply(text="whole answer"))
    events = await collect(gateway)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["whol", "e an", "swer"]
    assert isinstance(events[-1], Done) and events[-1].retries == 1


async def test_usage_and_cost_land_in_the_ledger_and_metrics(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(
        llm_price_table={"openai/scripted-fallback": (1.0, 2.0)},
        llm_fallback_models=["openai/scripted-fallback"],
        llm_default_price_per_mtok_in=4.0,
        llm_default_price_per_mtok_out=20.0,
    )
    labels = {"model": "openai/scripted-text", "cost_source": "provider"}
    cost_before = REGISTRY.get_sample_value("agent_llm_cost_usd_total", labels) or 0
    # 1) the provider reports its cost (OpenRouter style, usage.cost on the last chunk)
    llm_server.script(Reply(text="one", usage=(1000, 200), cost=0.0125))
    d1 = (await collect(gateway))[-1]
    assert isinstance(d1, Done) and (d1.usage.cost_usd, d1.usage.cost_source) == (0.0125, "provider")
    await gateway.flush()  # ledger rows are written in the background: keep their order for the check
    # 2) no provider cost: the configured price table (USD per 1M tokens), here on the fallback
    llm_server.script(Reply(status=400), Reply(text="two", usage=(1_000_000, 500_000)))
    d2 = (await collect(gateway))[-1]
    assert isinstance(d2, Done) and d2.model == "openai/scripted-fallback"
    assert (d2.usage.cost_usd, d2.usage.cost_source) == (2.0, "price_table")
    await gateway.flush()
    # 3) neither: the tokens at the default price, marked estimated — never free (non-streaming)
    llm_server.script(Reply(text="three", usage=(5, 1)))
    d3 = await gateway.complete(HELLO, meta=META)
    assert (d3.content, d3.usage.cost_usd, d3.usage.cost_source) == ("three", 0.00004, "estimated")

    rows = await ledger(gateway)
    assert [
        (
            r["model"],
            r["prompt_tokens"],
            r["completion_tokens"],
            float(r["cost_usd"]),
            r["cost_source"],
            r["streamed"],
            r["outcome"],
        )
        for r in rows
    ] == [
        ("openai/scripted-text", 1000, 200, 0.0125, "provider", True, "ok"),
        ("openai/scripted-fallback", 1_000_000, 500_000, 2.0, "price_table", True, "ok"),
        ("openai/scripted-text", 5, 1, 0.00004, "estimated", False, "ok"),
    ]
    first = rows[0]
    assert (
        first["tenant_id"],
        first["user_id"],
        first["scenario"],
        first["session_id"],
        first["turn_id"],
    ) == ("t1", "u1", "chat_analytics", "s1", "turn-1")
    assert first["provider"].startswith("openai_compatible:127.0.0.1:")
    assert first["ttft_ms"] is not None and first["latency_ms"] >= first["ttft_ms"]
    assert rows[2]["ttft_ms"] is None
    assert REGISTRY.get_sample_value("agent_llm_cost_usd_total", labels) == pytest.approx(cost_before + 0.0125)
    assert await gateway.budget.spent_today("t1") == pytest.approx(2.01254)


async def test_complete_returns_text_tool_calls_and_falls_back(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=0)
    llm_server.script(
        Reply(status=503),
        Reply(
            text="",
            tool_calls=[
                ScriptedToolCall("get_resource", '{"resource_id": "r-9"}', id="c1"),
                ScriptedToolCall("get_resource", "{oops", id="c2"),
            ],
        ),
    )
    done = await gateway.complete(HELLO, meta=META, tools=TOOLS)
    assert done.model == "openai/scripted-fallback" and done.fallback_used
    assert [(c.id, c.arguments) for c in done.tool_calls] == [("c1", {"resource_id": "r-9"})]
    assert [c.id for c in done.invalid_tool_calls] == ["c2"]
    assert not llm_server.requests[-1].get("stream")


async def test_every_model_failing_turns_offline_without_calling_them(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=0, llm_cooldown_s=30)
    llm_server.script(Reply(status=500), Reply(status=502))
    with pytest.raises(LLMUnavailable):
        await collect(gateway)
    assert gateway.mode == "offline" and not gateway.is_online()
    rows = await ledger(gateway)
    assert [r["outcome"] for r in rows] == ["unavailable"]
    count = len(llm_server.requests)
    with pytest.raises(LLMUnavailable, match="cooling down"):
        await gateway.complete(HELLO, meta=META)
    assert len(llm_server.requests) == count  # no request while every model cools down


async def test_bad_request_is_not_retried_and_not_cooled_down(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway(llm_max_retries=2, llm_fallback_models=[])
    llm_server.script(Reply(status=400))
    with pytest.raises(LLMUnavailable, match="http_400"):
        await gateway.complete(HELLO, meta=META)
    assert len(llm_server.requests) == 1 and gateway.mode == "online"


async def test_offline_by_configuration(make_gateway: MakeGateway, llm_server: ScriptedLLMServer) -> None:
    for overrides in ({"llm_offline": True}, {"llm_api_base": "", "llm_api_key": None}):
        gateway = await make_gateway(**overrides)
        assert gateway.mode == "offline" and gateway.offline_reason
        with pytest.raises(LLMUnavailable, match="offline"):
            await collect(gateway)
        with pytest.raises(LLMUnavailable):
            await gateway.complete(HELLO, meta=META)
    assert llm_server.requests == []


async def test_openrouter_models_need_their_key(make_gateway: MakeGateway) -> None:
    gateway = await make_gateway(
        llm_api_base="",
        llm_api_key=None,
        openrouter_api_key="sk-or-test",
        llm_model_text="openrouter/openai/gpt-4o-mini",
        llm_fallback_models=["openai/scripted-fallback"],
    )
    # The fallback has no endpoint or key here, so it is left out of the chain.
    assert gateway.mode == "online" and gateway.text_chain == ["openrouter/openai/gpt-4o-mini"]


async def test_caller_stopping_early_is_recorded_as_cancelled(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    llm_server.script(Reply(text="a long answer that nobody reads", chunk_size=2))
    stream = gateway.stream(HELLO, meta=META)
    first = await anext(stream)
    assert isinstance(first, TextDelta)
    await stream.aclose()  # type: ignore[attr-defined]
    assert [r["outcome"] for r in await ledger(gateway)] == ["cancelled"]


async def test_error_object_inside_the_stream_is_a_failure_not_an_answer(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    """An error sent after the 200 (OpenRouter, vLLM): before any text it is retried; after text
    the answer is reported cut, never stored as complete."""
    gateway = await make_gateway()
    llm_server.script(Reply(text="lost", error_after_chunks=1), Reply(text="whole answer"))
    events = await collect(gateway)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "whole answer"
    assert isinstance(events[-1], Done) and events[-1].retries == 1

    llm_server.script(Reply(text="The answer is forty-two", chunk_size=4, error_after_chunks=3))
    seen: list[StreamEvent] = []
    with pytest.raises(LLMStreamError):
        async for event in gateway.stream(HELLO, meta=META):
            seen.append(event)
    assert "".join(e.text for e in seen if isinstance(e, TextDelta)) == "The answ"
    assert not any(isinstance(e, Done) for e in seen)
