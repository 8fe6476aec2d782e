"""The gateway against each provider's fake, over real HTTP in the provider's own wire format
(OpenRouter, Anthropic Messages, GigaChat, Ollama native): streamed text, a fragmented tool call
and its result sent back, vision, 429 → retry, 500 → fallback, a hung first token, a cut stream,
non-streaming calls with structured output where the provider has it, and the cost in the ledger
and the budget — the same expectations for every provider."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from infrazen_agent.llm import CallMeta, Done, LLMGateway, LLMStreamError, StreamEvent, TextDelta, ToolCallsReady
from infrazen_agent.llm.vision import image_part_of, user_message
from tests.support.llm_server import Reply, ScriptedToolCall

from .conftest import GatewayFor, ProviderCase

META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics", session_id="s1", turn_id="turn-1")
HELLO = [{"role": "system", "content": "You are a FinOps assistant."}, {"role": "user", "content": "hello"}]
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
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
}


async def collect(gateway: LLMGateway, messages: list[dict[str, Any]] = HELLO, **kw: Any) -> list[StreamEvent]:
    return [event async for event in gateway.stream(messages, meta=META, **kw)]


async def ledger(gateway: LLMGateway) -> list[dict[str, Any]]:
    await gateway.flush()
    async with gateway.runtime.pool.connection() as conn:
        return list(await (await conn.execute("SELECT * FROM llm_calls ORDER BY id")).fetchall())


def models_asked(case: ProviderCase) -> list[str]:
    return [body["model"] for body in case.server.requests]


def tool_names_sent(case: ProviderCase, body: dict[str, Any]) -> list[str]:
    if case.name == "anthropic":
        return [t["name"] for t in body["tools"]]
    if case.name == "gigachat":
        return [f["name"] for f in body["functions"]]
    return [t["function"]["name"] for t in body["tools"]]


async def test_streams_text_deltas_then_done(provider: ProviderCase, gateway_for: GatewayFor) -> None:
    gateway = await gateway_for(provider)
    assert gateway.mode == "online" and not gateway.uses_litellm  # the provider's own client
    provider.server.script(Reply(text="Your top cost is compute.", chunk_size=5, usage=(42, 7)))
    events = await collect(gateway, max_tokens=100, temperature=0.1)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 5 and "".join(deltas) == "Your top cost is compute."
    done = events[-1]
    assert isinstance(done, Done) and done.content == "Your top cost is compute."
    assert (done.model, done.fallback_used, done.finish_reason) == (provider.text_model, False, "stop")
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (42, 7)
    assert done.ttft_ms is not None and 0 < done.ttft_ms <= done.latency_ms
    assert models_asked(provider) == [provider.wire_name(provider.text_model)]
    row = (await ledger(gateway))[0]
    assert (row["provider"], row["outcome"], row["prompt_tokens"]) == (provider.name, "ok", 42)


async def test_a_fragmented_tool_call_is_reassembled_and_its_result_sent_back(
    provider: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(provider)
    calls = [ScriptedToolCall("get_resource", '{"resource_id": "srv-web-1"}', id="call_a")]
    if provider.name != "gigachat":  # GigaChat calls one function per answer
        calls.append(ScriptedToolCall("get_cost_trends", '{"days": 30}', id="call_b"))
    provider.server.script(Reply(text="Checking.", chunk_size=3, tool_calls=calls))
    events = await collect(gateway, tools=TOOLS)
    ready = [e for e in events if isinstance(e, ToolCallsReady)]
    assert len(ready) == 1
    expected = [("get_resource", {"resource_id": "srv-web-1"}), ("get_cost_trends", {"days": 30})][: len(calls)]
    assert [(c.name, c.arguments) for c in ready[0].calls] == expected
    done = events[-1]
    assert isinstance(done, Done) and done.finish_reason == "tool_calls" and done.content == "Checking."
    assert tool_names_sent(provider, provider.server.requests[0]) == ["get_resource", "get_cost_trends"]

    # The next step sends the call and its result back in the provider's own shape.
    first = ready[0].calls[0]
    turn: list[dict[str, Any]] = [
        *HELLO,
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": first.id,
                    "type": "function",
                    "function": {"name": first.name, "arguments": json.dumps(first.arguments)},
                }
            ],
        },
        {"role": "tool", "tool_call_id": first.id, "content": '{"monthly_cost": 1200}'},
    ]
    provider.server.script(Reply(text="It costs 1200 a month."))
    done = (await collect(gateway, turn, tools=TOOLS))[-1]
    assert isinstance(done, Done) and done.content == "It costs 1200 a month."
    sent = provider.server.requests[-1]["messages"]
    if provider.name == "anthropic":
        assert (
            "system" not in [m["role"] for m in sent] and provider.server.requests[-1]["system"] == HELLO[0]["content"]
        )
        assert sent[1]["content"][1] == {
            "type": "tool_use",
            "id": first.id,
            "name": "get_resource",
            "input": first.arguments,
        }
        assert sent[2] == {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": first.id, "content": '{"monthly_cost": 1200}'}],
        }
    elif provider.name == "gigachat":
        assert sent[2]["function_call"] == {"name": "get_resource", "arguments": first.arguments}
        assert sent[3] == {"role": "function", "name": "get_resource", "content": '{"monthly_cost": 1200}'}
    elif provider.name == "ollama":
        assert sent[2]["tool_calls"] == [{"function": {"name": "get_resource", "arguments": first.arguments}}]
        assert sent[3]["role"] == "tool" and sent[3]["content"] == '{"monthly_cost": 1200}'
    else:
        assert sent[2]["tool_calls"][0]["id"] == first.id and sent[3]["tool_call_id"] == first.id


async def test_an_image_goes_to_the_vision_model_in_the_providers_format(
    provider: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(provider)
    provider.server.script(Reply(text="A bill with three lines."))
    message = user_message("What is on this screenshot?", [image_part_of("image/png", PNG)])
    done = (await collect(gateway, [message]))[-1]
    assert isinstance(done, Done) and done.model == provider.vision_model
    body = provider.server.requests[0]
    assert body["model"] == provider.wire_name(provider.vision_model)
    sent, b64 = body["messages"][-1], base64.b64encode(PNG).decode()
    if provider.name == "anthropic":
        assert sent["content"] == [
            {"type": "text", "text": "What is on this screenshot?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}},
        ]
    elif provider.name == "gigachat":  # uploaded to /files, named in `attachments`
        assert sent["content"] == "What is on this screenshot?"
        assert [provider.server.files[i] for i in sent["attachments"]] == [PNG]
    elif provider.name == "ollama":
        assert (sent["content"], sent["images"]) == ("What is on this screenshot?", [b64])
    else:
        assert sent["content"][1]["image_url"]["url"] == f"data:image/png;base64,{b64}"


async def test_429_then_success_is_retried_on_the_same_model(provider: ProviderCase, gateway_for: GatewayFor) -> None:
    gateway = await gateway_for(provider, llm_max_retries=2)
    provider.server.script(Reply(status=429, retry_after_s=0.05), Reply(text="after a pause"))
    done = (await collect(gateway))[-1]
    assert isinstance(done, Done) and done.content == "after a pause"
    assert (done.model, done.fallback_used, done.retries) == (provider.text_model, False, 1)
    assert models_asked(provider) == [provider.wire_name(provider.text_model)] * 2
    assert (await ledger(gateway))[0]["retries"] == 1


async def test_500_falls_back_to_the_next_model_and_cools_the_first_down(
    provider: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(provider, llm_max_retries=1)
    provider.server.script(Reply(status=500), Reply(status=500), Reply(text="from the fallback"))
    done = (await collect(gateway))[-1]
    assert isinstance(done, Done) and done.content == "from the fallback"
    assert done.model == provider.fallback_model and done.fallback_used and done.retries == 1
    text, fallback = provider.wire_name(provider.text_model), provider.wire_name(provider.fallback_model)
    assert models_asked(provider) == [text, text, fallback]
    row = (await ledger(gateway))[0]
    assert row["fallback_used"] and row["models_tried"] == [provider.text_model, provider.fallback_model]
    assert await gateway.runtime.redis.pttl(f"llm:cooldown:{provider.text_model}") > 0


async def test_a_hung_first_token_times_out_then_falls_back(provider: ProviderCase, gateway_for: GatewayFor) -> None:
    gateway = await gateway_for(provider, llm_max_retries=0, llm_first_token_timeout_s=0.3)
    provider.server.script(Reply(text="too late", delay_first_token_s=5), Reply(text="in time"))
    t0 = time.perf_counter()
    done = (await collect(gateway))[-1]
    assert time.perf_counter() - t0 < 2.0
    assert isinstance(done, Done) and done.content == "in time" and done.fallback_used


async def test_a_stream_cut_after_text_is_an_error_not_an_answer(
    provider: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(provider)
    provider.server.script(Reply(text="The answer is forty-two and more", chunk_size=4, cut_after_chunks=5))
    seen: list[StreamEvent] = []
    with pytest.raises(LLMStreamError):
        async for event in gateway.stream(HELLO, meta=META):
            seen.append(event)
    assert any(isinstance(e, TextDelta) for e in seen) and not any(isinstance(e, Done) for e in seen)
    assert len(provider.server.requests) == 1
    assert [r["outcome"] for r in await ledger(gateway)] == ["stream_error"]


async def test_complete_returns_text_and_tool_calls_with_structured_output_where_offered(
    provider: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(provider, llm_max_retries=0)
    provider.server.script(
        Reply(status=503),
        Reply(text="Looking.", tool_calls=[ScriptedToolCall("get_resource", '{"resource_id": "r-9"}')]),
    )
    done = await gateway.complete(HELLO, meta=META, tools=TOOLS)
    assert done.model == provider.fallback_model and done.fallback_used and done.content == "Looking."
    assert [(c.name, c.arguments) for c in done.tool_calls] == [("get_resource", {"resource_id": "r-9"})]
    assert not provider.server.requests[-1].get("stream")

    provider.server.script(Reply(text='{"a": "b"}'))
    done = await gateway.complete(HELLO, meta=META, response_format=SCHEMA)
    assert done.content == '{"a": "b"}'
    body = provider.server.requests[-1]
    if provider.name == "ollama":
        assert body["format"] == SCHEMA["json_schema"]["schema"]  # type: ignore[index]
    elif provider.name == "openrouter":
        assert body["response_format"] == SCHEMA
    else:  # no structured output: the prompt asks for JSON
        assert "response_format" not in body and "format" not in body


async def test_cost_lands_in_the_ledger_and_the_budget(provider: ProviderCase, gateway_for: GatewayFor) -> None:
    gateway = await gateway_for(provider, llm_default_price_per_mtok_in=2.0, llm_default_price_per_mtok_out=8.0)
    provider.server.script(Reply(text="one", usage=(1000, 200)))
    done = (await collect(gateway))[-1]
    assert isinstance(done, Done)
    if provider.name == "openrouter":  # OpenRouter reports what it charged (usage.cost)
        cost, source = 0.0018, "provider"
    else:  # no price known: the tokens at the default price, flagged, never 0
        cost, source = 0.0036, "estimated"
    assert done.usage.cost_usd == pytest.approx(cost) and done.usage.cost_source == source
    row = (await ledger(gateway))[0]
    assert float(row["cost_usd"]) == pytest.approx(cost) and row["cost_source"] == source
    assert (row["prompt_tokens"], row["completion_tokens"]) == (1000, 200)
    assert row["latency_ms"] > 0 and row["ttft_ms"] is not None
    assert await gateway.budget.spent_today("t1") == pytest.approx(cost)
