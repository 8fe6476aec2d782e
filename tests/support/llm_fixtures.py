"""Fixtures for the llm layer (see tests/conftest.py for the shared servers): the scripted
OpenAI-compatible server and settings pointing the service at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from infrazen_agent.config import Settings

from .llm_server import ScriptedLLMServer

SCRIPTED_MODELS: dict[str, Any] = {
    "llm_model_text": "openai/scripted-text",
    "llm_model_vision": "openai/scripted-vision",
    "llm_fallback_models": ["openai/scripted-fallback"],
}


def llm_settings_overrides(server: ScriptedLLMServer, **overrides: Any) -> dict[str, Any]:
    """Settings keys that point the gateway at the scripted server (online mode); short timeouts
    so that failure tests stay fast."""
    values: dict[str, Any] = {
        "llm_offline": False,
        "llm_api_base": server.url,
        "llm_api_key": "test",
        **SCRIPTED_MODELS,
        "llm_timeout_s": 10.0,
        "llm_connect_timeout_s": 2.0,
        "llm_first_token_timeout_s": 5.0,
    }
    values.update(overrides)
    return values


@pytest.fixture(scope="session")
def llm_server_session() -> Iterator[ScriptedLLMServer]:
    server = ScriptedLLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm_server(llm_server_session: ScriptedLLMServer) -> Iterator[ScriptedLLMServer]:
    """The scripted server with an empty script and no recorded requests."""
    llm_server_session.reset()
    yield llm_server_session
    llm_server_session.reset()


@pytest.fixture
def llm_settings(make_settings: Callable[..., Settings], llm_server: ScriptedLLMServer) -> Callable[..., Settings]:
    """`llm_settings(**overrides)` -> Settings wired to the scripted server and the test databases."""

    def build(**overrides: Any) -> Settings:
        return make_settings(**llm_settings_overrides(llm_server, **overrides))

    return build


@pytest.fixture
async def make_gateway(llm_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """`await make_gateway(**settings_overrides)` -> a started runtime's LLMGateway on the scripted
    server (Postgres and Redis of this test); runtimes are stopped at the end."""
    from infrazen_agent.llm import get_gateway
    from infrazen_agent.runtime import Runtime

    runtimes: list[Runtime] = []

    async def build(**overrides: Any) -> Any:
        runtime = Runtime(llm_settings(**overrides))
        runtimes.append(runtime)
        await runtime.ensure_started()
        return get_gateway(runtime)

    yield build
    for runtime in runtimes:
        await runtime.stop()
