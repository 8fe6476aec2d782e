"""A model call carries its correlation ids: the request id as an `X-Request-Id` header to the
provider (both transports: the direct client and LiteLLM), and request, session and turn ids in
LiteLLM's call metadata (its callbacks and logs), never in the body the provider gets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from infrazen_agent.config import Settings
from infrazen_agent.llm import CallMeta, get_gateway
from infrazen_agent.runtime import Runtime
from tests.support.llm_fixtures import llm_settings_overrides
from tests.support.llm_server import ScriptedLLMServer


class _HeaderServer(ScriptedLLMServer):
    def __init__(self) -> None:
        super().__init__()
        self.request_ids: list[str | None] = []

    async def _completions(self, request: Request) -> Response:
        self.request_ids.append(request.headers.get("x-request-id"))
        return await super()._completions(request)


@pytest.fixture(scope="module")
def header_server() -> Iterator[_HeaderServer]:
    server = _HeaderServer()
    server.start()
    yield server
    server.stop()


META = CallMeta(
    tenant_id="t1", user_id="u1", scenario="chat_analytics", session_id="cs_1", turn_id="turn_1", request_id="rid-42"
)


@pytest.mark.parametrize("transport", ["auto", "litellm"])
async def test_the_request_id_reaches_the_provider(
    transport: str, header_server: _HeaderServer, make_settings: Callable[..., Settings]
) -> None:
    header_server.reset()
    header_server.request_ids.clear()
    runtime = Runtime(make_settings(**llm_settings_overrides(header_server, llm_transport=transport)))
    await runtime.ensure_started()
    try:
        gateway = get_gateway(runtime)
        events = [e async for e in gateway.stream([{"role": "user", "content": "hi"}], meta=META)]
        done = await gateway.complete([{"role": "user", "content": "hi"}], meta=META)
    finally:
        await runtime.stop()
    assert events and done.content == "ok"
    assert header_server.request_ids == ["rid-42", "rid-42"]
    for body in header_server.requests:
        assert "metadata" not in body and "extra_headers" not in body, body.keys()


async def test_litellm_gets_the_ids_as_call_metadata(runtime: Runtime) -> None:
    gateway = get_gateway(runtime)
    params: dict[str, Any] = gateway._params("openrouter/x/y", [], None, None, None, stream=True, meta=META)
    assert params["metadata"] == {
        "scenario": "chat_analytics",
        "request_id": "rid-42",
        "session_id": "cs_1",
        "turn_id": "turn_1",
    }
    assert params["extra_headers"] == {"X-Request-Id": "rid-42"}
