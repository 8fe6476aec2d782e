"""OpenRouter's extras on the wire (its fake): the key as a Bearer token, the attribution headers,
usage accounting asked for in every body, so that its `usage.cost` is what the ledger books."""

from __future__ import annotations

import pytest

from infrazen_agent.llm import CallMeta

from .conftest import GatewayFor, ProviderCase, case_for

META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics", request_id="req-7")
HELLO = [{"role": "user", "content": "hello"}]


async def test_key_attribution_headers_and_usage_accounting_are_sent(
    gateway_for: GatewayFor, request: pytest.FixtureRequest
) -> None:
    case: ProviderCase = case_for("openrouter", request)
    gateway = await gateway_for(case)
    done = await gateway.complete(HELLO, meta=META)
    headers = case.server.headers[0]
    assert headers["authorization"] == f"Bearer {case.server.api_key}"
    assert (headers["http-referer"], headers["x-title"]) == ("https://infrazen.example", "InfraZen Agent")
    assert headers["x-request-id"] == "req-7"
    body = case.server.requests[0]
    assert body["usage"] == {"include": True} and body["model"] == "openai/gpt-4o-mini"
    assert done.usage.cost_source == "provider"
