"""Which client serves a model, chosen by the model's prefix; LLM_PROVIDER only picks the default
models (config.PROVIDER_DEFAULT_MODELS) and what counts as configured.

- `openrouter/`: OPENROUTER_API_BASE (OpenAI-compatible, reports `usage.cost`); OPENROUTER_API_KEY,
  optional HTTP-Referer / X-Title (OPENROUTER_REFERER, OPENROUTER_TITLE).
- `openai/`: LLM_API_BASE, else api.openai.com; LLM_API_KEY.
- `anthropic/`: ANTHROPIC_API_BASE (Messages API); ANTHROPIC_API_KEY, ANTHROPIC_VERSION.
- `ollama/`: OLLAMA_API_BASE, native /api/chat or its /v1 (OLLAMA_API=openai); no credentials.
- `gigachat/`: GIGACHAT_API_BASE; OAuth client credentials → access token (GIGACHAT_CREDENTIALS or
  GIGACHAT_CLIENT_ID + GIGACHAT_CLIENT_SECRET, GIGACHAT_SCOPE), GIGACHAT_CA_BUNDLE.

Any other prefix goes through LiteLLM (with LLM_API_BASE / LLM_API_KEY), as do all but GigaChat
with LLM_TRANSPORT=litellm. Clients import aiohttp on first use, never here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Protocol

from ...config import Settings
from ..openai_compat import OpenAICompatibleClient

OPENAI_API_BASE = "https://api.openai.com/v1"
DIRECT_PREFIXES = ("openrouter", "openai", "anthropic", "ollama", "gigachat")


class ChatClient(Protocol):
    """OpenAI-style chat bodies in (model name without its prefix), OpenAI-style dicts out."""

    structured_output: bool

    async def complete(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]: ...

    def stream(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]: ...

    async def aclose(self) -> None: ...


def prefix_of(model: str) -> str:
    return model.split("/", 1)[0]


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def has_credentials(settings: Settings, model: str) -> bool:
    """Whether a model of this prefix can be called with the configuration."""
    s, prefix = settings, prefix_of(model)
    if prefix == "openrouter":
        return bool(_secret(s.openrouter_api_key))
    if prefix == "anthropic":
        return bool(_secret(s.anthropic_api_key))
    if prefix == "gigachat":
        return s.gigachat_configured
    if prefix == "ollama":
        return True  # a local server: no credentials
    return bool(s.llm_api_base or _secret(s.llm_api_key))


def litellm_route(settings: Settings, model: str) -> dict[str, Any]:
    """Endpoint and key for LiteLLM (models no direct client serves, or LLM_TRANSPORT=litellm)."""
    s, prefix = settings, prefix_of(model)
    if prefix == "openrouter":
        return {"api_key": _secret(s.openrouter_api_key), "api_base": s.openrouter_api_base}
    if prefix == "anthropic":
        return {"api_key": _secret(s.anthropic_api_key), "api_base": s.anthropic_api_base}
    if prefix == "ollama":
        return {"api_base": s.ollama_api_base}
    api_key = _secret(s.llm_api_key)
    if s.llm_api_base:
        # Local servers (Ollama, vLLM) take any key; the OpenAI client insists on one.
        return {"api_base": s.llm_api_base, "api_key": api_key or "none"}
    return {"api_key": api_key}


def build_client(settings: Settings, prefix: str) -> ChatClient | None:
    """The direct client for a prefix (None: LiteLLM serves it)."""
    s = settings
    timeout = s.llm_connect_timeout_s
    if prefix == "gigachat":
        from .gigachat import GigaChatClient, authorization_key

        key = authorization_key(
            _secret(s.gigachat_credentials), s.gigachat_client_id, _secret(s.gigachat_client_secret)
        )
        return GigaChatClient(
            s.gigachat_api_base,
            s.gigachat_auth_url,
            key,
            scope=s.gigachat_scope,
            ca_file=s.gigachat_ca_bundle,
            connect_timeout_s=timeout,
        )
    if s.llm_transport == "litellm":
        return None
    if prefix == "openai":
        return OpenAICompatibleClient(
            s.llm_api_base or OPENAI_API_BASE, _secret(s.llm_api_key) or "none", connect_timeout_s=timeout
        )
    if prefix == "openrouter":
        headers = {k: v for k, v in (("HTTP-Referer", s.openrouter_referer), ("X-Title", s.openrouter_title)) if v}
        return OpenAICompatibleClient(
            s.openrouter_api_base,
            _secret(s.openrouter_api_key),
            connect_timeout_s=timeout,
            extra_headers=headers,
            extra_body={"usage": {"include": True}},  # OpenRouter then reports usage.cost
        )
    if prefix == "anthropic":
        from .anthropic import AnthropicClient

        return AnthropicClient(
            s.anthropic_api_base, _secret(s.anthropic_api_key), version=s.anthropic_version, connect_timeout_s=timeout
        )
    if prefix == "ollama":
        if s.ollama_api == "openai":
            return OpenAICompatibleClient(s.ollama_api_base.rstrip("/") + "/v1", "ollama", connect_timeout_s=timeout)
        from .ollama import OllamaClient

        return OllamaClient(s.ollama_api_base, connect_timeout_s=timeout)
    return None
