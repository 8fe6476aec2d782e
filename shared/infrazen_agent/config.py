"""The one place configuration is read: environment, `config.agent.env`, OpenFaaS secret files.

Precedence: explicit argument > environment > secret file > env file > default.
Secret files live under `/var/openfaas/secrets/<lower-case key>` (override: AGENT_SECRETS_DIR).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A dev default so that `infrazen-agent serve` + `infrazen-agent token` work with no setup.
# It is public (it is in the repository), so prod refuses it like any other known default.
DEV_JWT_SECRET = "infrazen-agent-dev-secret-not-for-production"  # noqa: S105 - public on purpose
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        DEV_JWT_SECRET,
        "",
        "secret",
        "changeme",
        "change-me",
        "dev",
        "test",
        "your-secret-key",
        "infrazen-agent-secret",
        "your-jwt-secret",
        "dev-jwt-secret-change-in-production",  # the InfraZen app's JWT_SECRET_KEY default
        "replace-with-the-infrazen-apps-JWT_SECRET_KEY-32chars+",  # infra/systemd/config.agent.env.example
    }
)
DEFAULT_SECRETS_DIR = "/var/openfaas/secrets"
# LLM_PROVIDER -> (text model, vision model) when LLM_MODEL_TEXT / LLM_MODEL_VISION are empty.
PROVIDER_DEFAULT_MODELS: dict[str, tuple[str, str]] = {
    "openrouter": ("openrouter/openai/gpt-4o-mini", "openrouter/google/gemini-2.5-flash"),
    "openai": ("openai/gpt-4o-mini", "openai/gpt-4o-mini"),
    "anthropic": ("anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5"),
    "ollama": ("ollama/qwen2.5:7b", "ollama/qwen2.5vl:7b"),
    "gigachat": ("gigachat/GigaChat-2", "gigachat/GigaChat-2-Max"),
}


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file="config.agent.env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
        # `KEY=` (as in config.agent.env.sample) means "not set": the default, not an empty value
        # (which AGENT_DIAGNOSTICS or an empty API key would not survive).
        env_ignore_empty=True,
    )

    # --- service
    agent_port: int = 8001
    agent_host: str = "127.0.0.1"
    # `serve`: processes sharing the port (0 = one per CPU core); sessions, locks and fan-out are
    # in Redis, so any process serves any request.
    agent_workers: int = Field(default=0, ge=0, le=64)
    agent_env: Literal["dev", "prod"] = "dev"
    agent_data_dir: Path = Path(".data")
    agent_public_url: str = ""
    log_level: str = "INFO"
    agent_load_demo: bool = True
    agent_max_body_bytes: int = 1024 * 1024  # every route but the uploads (UPLOAD_MAX_BYTES)
    # Who sees /metrics and readiness details (checks, errors, paths): everyone, or admin tokens
    # only (the status alone stays public for probes). Default: public in dev, admin in prod.
    agent_diagnostics: Literal["public", "admin"] | None = None
    # /metrics: the day's biggest LLM spenders given a `tenant` label on the budget gauge (the
    # only tenant label; the others are aggregated away). 0 = no per-tenant series.
    agent_metrics_tenants: int = Field(default=50, ge=0, le=1000)
    # Browser origins allowed to call the HTTP API (CORS) and open WebSockets; empty = none.
    agent_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # --- auth
    # The InfraZen app signs its tokens with JWT_SECRET_KEY: the same secret under its name.
    agent_service_jwt_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("agent_service_jwt_secret", "jwt_secret_key")
    )
    agent_service_jwt_secret_previous: SecretStr | None = None
    agent_jwt_audience: str = "infrazen-agent"
    agent_jwt_issuer: str = "infrazen"
    agent_jwt_leeway_s: int = 30

    # --- data
    agent_internal_api_base: str = ""
    database_url: str = ""
    redis_url: str = ""
    vector_store: Literal["pgvector"] = "pgvector"
    db_pool_size: int = 20
    db_acquire_timeout_s: float = 1.5  # waiting longer for a connection answers 503 (retryable)

    # --- object storage (unset endpoint and bucket -> local directory store)
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    upload_max_bytes: int = 5 * 1024 * 1024
    upload_ttl_s: int = 24 * 3600
    upload_max_pixels: int = 50_000_000  # width x height; one pixel more is refused
    upload_user_per_minute: int = 30  # uploads a minute per user
    upload_tenant_per_minute: int = 120  # uploads a minute per tenant, all its users together
    upload_tenant_quota_bytes: int = 500 * 1024 * 1024  # live (unexpired) uploads a tenant may keep
    upload_sweep_interval_s: float = 60.0  # how often `serve` deletes expired uploads
    # Uploads without a token (the InfraZen client sends none): kept apart until a chat turn claims them.
    upload_quarantine_ttl_s: int = 600
    upload_anonymous_per_minute: int = 20  # per client address
    upload_quarantine_max: int = 1000  # unclaimed uploads alive at once, whoever sent them

    # --- screenshots: who reads them (auto: the vision model when one answers, else Tesseract)
    screenshot_reader: Literal["auto", "ocr", "vision"] = "auto"
    ocr_languages: str = "rus+eng"
    ocr_tessdata: str = ""  # Tesseract's language data folder (empty: TESSDATA_PREFIX or the system's)

    # --- LLM
    # Chooses the default models (empty LLM_MODEL_TEXT / LLM_MODEL_VISION) and what counts as
    # configured; each model is routed by its own prefix (llm/providers.py), so a fallback may be
    # another provider's.
    llm_provider: Literal["openrouter", "openai", "anthropic", "ollama", "gigachat"] = "openrouter"
    llm_model_text: str = ""  # empty: the provider's default (PROVIDER_DEFAULT_MODELS)
    llm_model_vision: str = ""
    llm_fallback_models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    openrouter_api_key: SecretStr | None = None
    llm_api_base: str = ""
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_connect_timeout_s: float = 5.0
    llm_first_token_timeout_s: float = 20.0
    llm_max_retries: int = 2
    llm_cooldown_s: float = 30.0
    llm_offline: bool = False
    # auto: `openai/…` models on LLM_API_BASE are called directly (see llm/openai_compat.py);
    # litellm: everything through LiteLLM (for an endpoint the direct client does not suit).
    llm_transport: Literal["auto", "litellm"] = "auto"
    llm_price_table: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # A model with no known price (no provider figure, no table entry, not in LiteLLM's map) is
    # booked from its tokens at these USD per 1M tokens, marked "estimated": never as free.
    llm_default_price_per_mtok_in: float = Field(default=3.0, ge=0)
    llm_default_price_per_mtok_out: float = Field(default=15.0, ge=0)
    # --- LLM providers (secrets are SecretStr: never logged or repr'd)
    openrouter_api_base: str = "https://openrouter.ai/api/v1"
    openrouter_referer: str = ""  # HTTP-Referer: OpenRouter's app attribution (optional)
    openrouter_title: str = ""  # X-Title (optional)
    anthropic_api_key: SecretStr | None = None
    anthropic_api_base: str = "https://api.anthropic.com"
    anthropic_version: str = "2023-06-01"
    ollama_api_base: str = "http://127.0.0.1:11434"
    ollama_api: Literal["native", "openai"] = "native"  # /api/chat (NDJSON) or its OpenAI-compatible /v1
    # GigaChat: the authorization key (base64 of client_id:client_secret), or the two parts.
    gigachat_credentials: SecretStr | None = None
    gigachat_client_id: str = ""
    gigachat_client_secret: SecretStr | None = None
    gigachat_scope: Literal["GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP"] = "GIGACHAT_API_PERS"
    gigachat_auth_url: str = "https://ngw.devices.sberbank.ru:9443/api/v2/oauth"
    gigachat_api_base: str = "https://gigachat.devices.sberbank.ru/api/v1"
    gigachat_ca_bundle: str = ""  # PEM file (the Russian Trusted Root CA), trusted beside the system store
    tenant_daily_budget_usd: float = 5.0
    user_requests_per_minute: int = 30
    # Personal data and secrets replaced by placeholders before any model sees them (guard/pii.py).
    guard_pii_redaction: bool = True
    user_messages_per_minute: int = 20  # chat messages a user may send, counted before they are stored
    # Tool calls per user in a sliding window (guard/rate.py): "<role>:<tool>", "<tool>",
    # "<role>:*", "*" → calls per TOOL_RATE_WINDOW_S; a chat turn or a text is one admission.
    tool_rate_limits: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: {"*": 60})
    tool_rate_window_s: int = Field(default=60, ge=1, le=3600)
    # Turns answered at once per process; more wait for a slot, in order (their messages are
    # stored and announced). Overload keeps answers streaming on time instead of slowing all.
    chat_max_active_turns: int = Field(default=200, ge=1)
    transcript_retry_s: float = 300.0  # a streamed answer is stored with retries this long while Postgres is away

    # --- action tools (proposed by the model, run after the user confirms)
    actions_ttl_s: int = 900  # a proposal not confirmed within this time expires
    actions_ticket_url: str = ""  # a Jira-compatible REST API (POST /rest/api/2/issue); empty = no tickets
    actions_ticket_project: str = "OPS"
    actions_ticket_token: SecretStr | None = None

    # --- MCP (docs/mcp.md): `infrazen-agent mcp` (stdio) acts with this service JWT; over HTTP
    # (/mcp) each request brings its own Bearer token.
    infrazen_mcp_token: SecretStr | None = None

    # --- recommendation text
    text_cache_ttl_s: int = 24 * 3600

    # --- knowledge (retrieval): "" or "local" = the local model shipped in the wordllama wheel;
    # "openai/<name>" = that model on LLM_API_BASE's /embeddings (when a model is configured);
    # "none" = full-text search only.
    embedding_model: str = ""

    # --- reports
    # What an engineer-hour costs, per currency: the ROI section's work cost and payback (an
    # assumption the report states beside its figures). "RUB=3000,USD=60" or JSON.
    report_hourly_rates: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: {"RUB": 3000.0, "USD": 60.0, "EUR": 55.0}
    )
    report_job_timeout_s: float = 300.0  # a report job still running after this is failed (its process died)
    report_pdf_max_pages: int = Field(default=60, ge=1, le=500)
    report_max_concurrent: int = Field(default=2, ge=1, le=32)  # jobs one process runs at once; the rest wait

    # --- billing imports (FOCUS; imports/)
    import_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)  # largest file POST /v1/imports/focus takes
    import_job_timeout_s: float = 3600.0  # an import job still running after this is failed (its process died)
    import_max_concurrent: int = Field(default=1, ge=1, le=8)  # imports one process runs at once; the rest wait

    # --- readiness
    ready_check_timeout_s: float = 2.0

    @field_validator("llm_fallback_models", "agent_cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("report_hourly_rates", mode="before")
    @classmethod
    def _hourly_rates(cls, value: object) -> object:
        """JSON ({"RUB": 3000}) or "CUR=rate" pairs ("RUB=3000,USD=60")."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                return json.loads(text)
            pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
            if any(len(p) != 2 for p in pairs):
                raise ValueError('use "CUR=rate" pairs separated by commas, or a JSON object')
            return {k.strip().upper(): v.strip() for k, v in pairs}
        return value

    @field_validator("tool_rate_limits", mode="before")
    @classmethod
    def _rate_limits(cls, value: object) -> object:
        """JSON ({"*": 60, "analyst:*": 120}) or "key=limit" pairs ("*=60,search_pricing=30")."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                value = json.loads(text)
            else:
                pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
                if any(len(p) != 2 for p in pairs):
                    raise ValueError('use "key=limit" pairs separated by commas, or a JSON object')
                value = {k.strip(): v.strip() for k, v in pairs}
        if isinstance(value, dict):
            from .auth import ROLES

            for key in value:
                role, sep, tool = str(key).rpartition(":")
                if (sep and role not in ROLES) or not tool:
                    raise ValueError(f"{key!r}: a key is <tool>, *, or <role>:<tool> with a role of {', '.join(ROLES)}")
        return value

    # --- derived values
    @property
    def jwt_secrets(self) -> list[str]:
        """Signing keys accepted, current first (rotation keeps the previous one valid)."""
        keys = [self.agent_service_jwt_secret, self.agent_service_jwt_secret_previous]
        found = [k.get_secret_value() for k in keys if k is not None and k.get_secret_value()]
        if not found and self.agent_env == "dev":
            found = [DEV_JWT_SECRET]
        return found

    @property
    def diagnostics_public(self) -> bool:
        return (self.agent_diagnostics or ("public" if self.agent_env == "dev" else "admin")) == "public"

    @model_validator(mode="after")
    def _provider_models(self) -> Settings:
        text, vision = PROVIDER_DEFAULT_MODELS[self.llm_provider]
        self.llm_model_text = self.llm_model_text or text
        self.llm_model_vision = self.llm_model_vision or vision
        return self

    @property
    def gigachat_configured(self) -> bool:
        return bool(self.gigachat_credentials or (self.gigachat_client_id and self.gigachat_client_secret))

    @property
    def llm_configured(self) -> bool:
        if self.llm_offline:
            return False
        if self.llm_provider == "ollama":
            return True  # a local server: no credentials
        return bool(
            self.llm_api_base
            or self.openrouter_api_key
            or self.llm_api_key
            or self.anthropic_api_key
            or self.gigachat_configured
        )

    def validate_for_start(self) -> None:
        """Refuse to run prod with a missing or publicly known secret."""
        if self.agent_env != "prod":
            return
        secret = self.agent_service_jwt_secret
        value = secret.get_secret_value() if secret else ""
        if not value:
            raise ConfigError(
                "AGENT_ENV=prod needs AGENT_SERVICE_JWT_SECRET (env, config.agent.env or "
                f"{DEFAULT_SECRETS_DIR}/agent_service_jwt_secret); refusing to start"
            )
        previous = self.agent_service_jwt_secret_previous
        # Every accepted key must be strong: a weak previous key would open the same door.
        for name, key in (
            ("AGENT_SERVICE_JWT_SECRET", value),
            ("AGENT_SERVICE_JWT_SECRET_PREVIOUS", previous.get_secret_value() if previous else None),
        ):
            if key and (key in KNOWN_DEFAULT_SECRETS or len(key) < 32):  # empty = unset
                raise ConfigError(
                    f"{name} is a known default or shorter than 32 characters; refusing to start with AGENT_ENV=prod"
                )


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, adding the secrets directory only when it exists (no warning otherwise).
    AGENT_ENV_FILE names the env file (systemd: /etc/infrazen-agent/config.agent.env) instead of
    `config.agent.env` in the working directory."""
    env_file = os.environ.get("AGENT_ENV_FILE")
    if env_file and "_env_file" not in overrides:
        overrides["_env_file"] = env_file
    secrets_dir = os.environ.get("AGENT_SECRETS_DIR", DEFAULT_SECRETS_DIR)
    if Path(secrets_dir).is_dir():
        return Settings(_secrets_dir=secrets_dir, **overrides)
    return Settings(**overrides)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
