"""Ollama specifics: sampling settings go into `options` (max_tokens → num_predict) on the native
API; OLLAMA_API=openai talks to its OpenAI-compatible /v1 instead (the scripted server)."""

from __future__ import annotations

import pytest

from infrazen_agent.llm import CallMeta
from tests.support.llm_server import ScriptedLLMServer

from .conftest import GatewayFor, case_for

META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics")
HELLO = [{"role": "user", "content": "hello"}]


async def test_native_options(gateway_for: GatewayFor, request: pytest.FixtureRequest) -> None:
    case = case_for("ollama", request)
    gateway = await gateway_for(case)
    await gateway.complete(HELLO, meta=META, max_tokens=50, temperature=0.2)
    body = case.server.requests[0]
    assert body["options"] == {"temperature": 0.2, "num_predict": 50} and body["stream"] is False
    assert body["model"] == "qwen2.5:7b"


async def test_the_openai_compatible_endpoint(
    gateway_for: GatewayFor, request: pytest.FixtureRequest, llm_server: ScriptedLLMServer
) -> None:
    case = case_for("ollama", request)
    gateway = await gateway_for(case, ollama_api="openai", ollama_api_base=llm_server.url.removesuffix("/v1"))
    done = await gateway.complete(HELLO, meta=META)
    assert done.content == "ok" and llm_server.requests[0]["model"] == "qwen2.5:7b"
    assert case.server.requests == []
