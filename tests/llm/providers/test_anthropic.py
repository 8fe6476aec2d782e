"""Anthropic's Messages API specifics (its fake): `x-api-key` and `anthropic-version` on every
request, `max_tokens` always sent, a wrong key not retried, an `error` event before any text
retried like any failed attempt."""

from __future__ import annotations

import pytest

from infrazen_agent.llm import CallMeta, Done, LLMUnavailable
from tests.support.llm_server import Reply

from .conftest import GatewayFor, case_for

META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics")
HELLO = [{"role": "user", "content": "hello"}]


async def test_headers_and_required_max_tokens(gateway_for: GatewayFor, request: pytest.FixtureRequest) -> None:
    case = case_for("anthropic", request)
    gateway = await gateway_for(case, anthropic_version="2023-06-01")
    await gateway.complete(HELLO, meta=META)
    headers = case.server.headers[0]
    assert (headers["x-api-key"], headers["anthropic-version"]) == (case.server.api_key, "2023-06-01")
    assert "authorization" not in headers and case.server.requests[0]["max_tokens"] == 4096


async def test_a_wrong_key_is_not_retried(gateway_for: GatewayFor, request: pytest.FixtureRequest) -> None:
    case = case_for("anthropic", request)
    gateway = await gateway_for(case, anthropic_api_key="sk-ant-wrong", llm_max_retries=2, llm_fallback_models=[])
    with pytest.raises(LLMUnavailable, match="http_401"):
        await gateway.complete(HELLO, meta=META)
    assert len(case.server.headers) == 1


async def test_an_error_event_before_any_text_is_retried(
    gateway_for: GatewayFor, request: pytest.FixtureRequest
) -> None:
    case = case_for("anthropic", request)
    gateway = await gateway_for(case)
    case.server.script(Reply(text="lost", error_after_chunks=2), Reply(text="whole answer"))
    events = [e async for e in gateway.stream(HELLO, meta=META)]
    done = events[-1]
    assert isinstance(done, Done) and done.content == "whole answer" and done.retries == 1
