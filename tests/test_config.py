"""Settings: every key documented, secret files, prod refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infrazen_agent.config import DEV_JWT_SECRET, ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_sample_lists_every_settings_key() -> None:
    sample = (ROOT / "config.agent.env.sample").read_text()
    keys = set(re.findall(r"^([A-Z0-9_]+)=", sample, re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - keys == set(), "keys missing from config.agent.env.sample"
    assert keys - fields == set(), "sample lists keys Settings does not read"


def test_design_keys_exist() -> None:
    design = {
        "AGENT_PORT",
        "AGENT_ENV",
        "AGENT_INTERNAL_API_BASE",
        "AGENT_SERVICE_JWT_SECRET",
        "LLM_PROVIDER",
        "LLM_MODEL_TEXT",
        "LLM_MODEL_VISION",
        "OPENROUTER_API_KEY",
        "REDIS_URL",
        "VECTOR_STORE",
        "LOG_LEVEL",
        "DATABASE_URL",
        "S3_ENDPOINT_URL",
        "S3_BUCKET",
        "LLM_FALLBACK_MODELS",
        "LLM_API_BASE",
        "LLM_API_KEY",
        "LLM_TIMEOUT_S",
        "LLM_OFFLINE",
    }
    assert design <= {name.upper() for name in Settings.model_fields}


def test_secret_files_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "agent_service_jwt_secret").write_text("from-a-secret-file-0123456789-0123456789\n")
    (tmp_path / "database_url").write_text("postgresql://db.example/agent")
    monkeypatch.setenv("AGENT_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = load_settings(_env_file=None)
    assert s.jwt_secrets == ["from-a-secret-file-0123456789-0123456789"]
    assert s.database_url == "postgresql://db.example/agent"


def test_env_file_and_environment_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "config.agent.env"
    env_file.write_text("AGENT_PORT=9100\nLOG_LEVEL=DEBUG\nLLM_FALLBACK_MODELS=a, b\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert (s.agent_port, s.log_level, s.llm_fallback_models) == (9100, "WARNING", ["a", "b"])


def test_dev_uses_the_public_dev_secret_but_prod_refuses_it() -> None:
    assert Settings(_env_file=None).jwt_secrets == [DEV_JWT_SECRET]  # type: ignore[call-arg]
    for secret in (None, "", DEV_JWT_SECRET, "changeme", "short"):
        s = Settings(_env_file=None, agent_env="prod", agent_service_jwt_secret=secret)  # type: ignore[call-arg]
        with pytest.raises(ConfigError, match="AGENT_SERVICE_JWT_SECRET"):
            s.validate_for_start()
    for previous in (DEV_JWT_SECRET, "secret", "short-previous"):
        weak_previous = Settings(
            _env_file=None,
            agent_env="prod",
            agent_service_jwt_secret="p" * 40,  # type: ignore[call-arg]
            agent_service_jwt_secret_previous=previous,
        )
        with pytest.raises(ConfigError, match="AGENT_SERVICE_JWT_SECRET_PREVIOUS"):
            weak_previous.validate_for_start()
    ok = Settings(_env_file=None, agent_env="prod", agent_service_jwt_secret="p" * 40)  # type: ignore[call-arg]
    ok.validate_for_start()
    assert ok.jwt_secrets == ["p" * 40]


def test_llm_is_offline_without_key_or_base() -> None:
    assert not Settings(_env_file=None).llm_configured  # type: ignore[call-arg]
    assert Settings(_env_file=None, llm_api_base="http://127.0.0.1:1/v1").llm_configured  # type: ignore[call-arg]
    assert not Settings(_env_file=None, llm_api_base="http://x", llm_offline=True).llm_configured  # type: ignore[call-arg]


def test_the_infrazen_apps_secret_name_is_an_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The InfraZen app signs with JWT_SECRET_KEY: the same secret, same prod rules; ours wins if both."""
    monkeypatch.delenv("AGENT_SERVICE_JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_SECRET_KEY", "k" * 40)
    assert Settings(_env_file=None).jwt_secrets == ["k" * 40]  # type: ignore[call-arg]
    monkeypatch.setenv("AGENT_SERVICE_JWT_SECRET", "a" * 40)
    assert Settings(_env_file=None).jwt_secrets == ["a" * 40]  # type: ignore[call-arg]
    monkeypatch.delenv("AGENT_SERVICE_JWT_SECRET")
    monkeypatch.setenv("JWT_SECRET_KEY", "dev-jwt-secret-change-in-production")  # the app's default
    with pytest.raises(ConfigError, match="known default"):
        Settings(_env_file=None, agent_env="prod").validate_for_start()  # type: ignore[call-arg]
    env_file = tmp_path / "config.agent.env"
    env_file.write_text("JWT_SECRET_KEY=" + "f" * 40 + "\n")
    monkeypatch.delenv("JWT_SECRET_KEY")
    assert Settings(_env_file=env_file).jwt_secrets == ["f" * 40]  # type: ignore[call-arg]
