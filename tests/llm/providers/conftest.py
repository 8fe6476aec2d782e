"""Each provider's local fake (tests/support/fake_*.py), started once per session, and a gateway
wired to it: `provider` is parametrized over the four, `gateway_for(case, **overrides)` builds a
started runtime's gateway on the case's fake with the test's Postgres and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from infrazen_agent.config import Settings
from infrazen_agent.llm import LLMGateway, get_gateway
from infrazen_agent.runtime import Runtime
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.fake_gigachat import FakeGigaChat
from tests.support.fake_ollama import FakeOllama
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.llm_server import ScriptedLLMServer

PROVIDERS = ("openrouter", "anthropic", "gigachat", "ollama")
MODELS = {  # text, vision, fallback
    "openrouter": (
        "openrouter/openai/gpt-4o-mini",
        "openrouter/google/gemini-2.5-flash",
        "openrouter/meta-llama/llama-3.3-70b",
    ),
    "anthropic": ("anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5", "anthropic/claude-3-5-haiku-latest"),
    "gigachat": ("gigachat/GigaChat-2", "gigachat/GigaChat-2-Max", "gigachat/GigaChat-2-Pro"),
    "ollama": ("ollama/qwen2.5:7b", "ollama/qwen2.5vl:7b", "ollama/llama3.2:3b"),
}


@dataclass
class ProviderCase:
    name: str
    server: Any  # one of the fakes (a ScriptedLLMServer)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def text_model(self) -> str:
        return MODELS[self.name][0]

    @property
    def vision_model(self) -> str:
        return MODELS[self.name][1]

    @property
    def fallback_model(self) -> str:
        return MODELS[self.name][2]

    def wire_name(self, model: str) -> str:
        """The model name the provider's API receives (our prefix removed)."""
        return model.split("/", 1)[1]


def _start(server: ScriptedLLMServer) -> Iterator[ScriptedLLMServer]:
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_openrouter() -> Iterator[ScriptedLLMServer]:
    yield from _start(FakeOpenRouter())


@pytest.fixture(scope="session")
def fake_anthropic() -> Iterator[ScriptedLLMServer]:
    yield from _start(FakeAnthropic())


@pytest.fixture(scope="session")
def fake_gigachat() -> Iterator[ScriptedLLMServer]:
    yield from _start(FakeGigaChat())


@pytest.fixture(scope="session")
def fake_ollama() -> Iterator[ScriptedLLMServer]:
    yield from _start(FakeOllama())


def case_for(name: str, request: pytest.FixtureRequest) -> ProviderCase:
    server = request.getfixturevalue(f"fake_{name}")
    server.reset()
    text, vision, fallback = MODELS[name]
    values: dict[str, Any] = {
        "llm_provider": name,
        "llm_offline": False,
        "llm_api_base": "",
        "llm_api_key": None,
        "llm_model_text": text,
        "llm_model_vision": vision,
        "llm_fallback_models": [fallback],
        "llm_timeout_s": 10.0,
        "llm_connect_timeout_s": 2.0,
        "llm_first_token_timeout_s": 5.0,
    }
    if name == "openrouter":
        values |= {
            "openrouter_api_key": server.api_key,
            "openrouter_api_base": server.url,
            "openrouter_referer": "https://infrazen.example",
            "openrouter_title": "InfraZen Agent",
        }
    elif name == "anthropic":
        values |= {"anthropic_api_key": server.api_key, "anthropic_api_base": server.url}
    elif name == "gigachat":
        values |= {
            "gigachat_credentials": server.authorization_key,
            "gigachat_api_base": server.url,
            "gigachat_auth_url": server.auth_url,
        }
    else:
        values |= {"ollama_api_base": server.url}
    return ProviderCase(name, server, values)


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest) -> Iterator[ProviderCase]:
    case = case_for(request.param, request)
    yield case
    case.server.reset()


GatewayFor = Callable[..., Awaitable[LLMGateway]]


@pytest.fixture
async def gateway_for(make_settings: Callable[..., Settings]) -> AsyncIterator[GatewayFor]:
    runtimes: list[Runtime] = []

    async def build(case: ProviderCase, **overrides: Any) -> LLMGateway:
        runtime = Runtime(make_settings(**{**case.settings, **overrides}))
        runtimes.append(runtime)
        await runtime.ensure_started()
        return get_gateway(runtime)

    yield build
    for runtime in runtimes:
        await runtime.stop()
