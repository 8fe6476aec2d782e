"""The systemd units pass `systemd-analyze verify` without a warning (the service and one
instance of the replica template), with ExecStart pointed at this checkout's venv (verify checks
that the program exists); and they read the env file the way Settings does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.binaries import require

UNITS = Path(__file__).resolve().parents[2] / "infra" / "systemd"
INSTALLED_AT = "/opt/infrazen-agent/.venv/bin/infrazen-agent"


def _verify(folder: Path, *units: str) -> subprocess.CompletedProcess[str]:
    analyze = require("systemd-analyze", "systemd")
    return subprocess.run(
        [analyze, "verify", "--man=no", *(f"./{u}" for u in units)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _copied(tmp_path: Path) -> Path:
    program = Path(sys.executable).with_name("infrazen-agent")
    assert program.exists(), program
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert INSTALLED_AT in text, unit.name
        (tmp_path / unit.name).write_text(text.replace(INSTALLED_AT, str(program)))
    return tmp_path


def test_units_verify_without_warnings(tmp_path: Path) -> None:
    folder = _copied(tmp_path)
    done = _verify(folder, "infrazen-agent.service", "infrazen-agent@8001.service", "infrazen-agent@8002.service")
    assert done.returncode == 0 and (done.stdout + done.stderr).strip() == "", done.stdout + done.stderr


def test_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    folder = _copied(tmp_path)
    unit = folder / "infrazen-agent@.service"
    unit.write_text(unit.read_text().replace("Restart=on-failure", "Restart=sometimes"))
    done = _verify(folder, "infrazen-agent@8003.service")
    assert "restart specifier" in done.stdout + done.stderr


def test_replicas_are_one_process_each_on_their_own_port() -> None:
    template = (UNITS / "infrazen-agent@.service").read_text()
    assert "Environment=AGENT_PORT=%i AGENT_HOST=127.0.0.1 AGENT_WORKERS=1" in template
    assert "Conflicts=infrazen-agent.service" in template
    service = (UNITS / "infrazen-agent.service").read_text()
    for unit in (template, service):
        assert "Environment=AGENT_ENV_FILE=/etc/infrazen-agent/config.agent.env" in unit
        assert "EnvironmentFile=" not in unit  # systemd would keep the sample's inline comments in the values


def test_the_env_file_the_units_name_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infrazen_agent.config import load_settings

    env_file = tmp_path / "config.agent.env"
    shutil.copy(Path(__file__).resolve().parents[2] / "config.agent.env.sample", env_file)
    with env_file.open("a") as out:
        out.write("AGENT_PORT=8002                    # a replica's port, with a comment\nLOG_LEVEL=WARNING\n")
    monkeypatch.setenv("AGENT_ENV_FILE", str(env_file))
    monkeypatch.delenv("AGENT_PORT", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    settings = load_settings()
    assert settings.agent_port == 8002 and settings.log_level == "WARNING"
    monkeypatch.setenv("AGENT_PORT", "8003")  # the unit's Environment= wins over the file
    assert load_settings().agent_port == 8003


def test_the_example_env_file_is_a_valid_prod_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from infrazen_agent.config import ConfigError, Settings, load_settings

    example = (UNITS / "config.agent.env.example").read_text()
    keys = set(re.findall(r"^([A-Z0-9_]+)=", example, re.M))
    assert keys <= {name.upper() for name in Settings.model_fields}, "keys no setting reads"
    env_file = tmp_path / "config.agent.env"
    env_file.write_text(example)
    for key in keys | {"AGENT_PORT"}:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AGENT_ENV_FILE", str(env_file))
    settings = load_settings()
    assert settings.agent_env == "prod" and settings.agent_public_url.endswith("/agent")
    assert settings.database_url.startswith("postgresql://") and settings.redis_url.startswith("redis://")
    assert settings.s3_endpoint_url == "" and settings.openrouter_api_key is None  # `KEY=`: unset
    with pytest.raises(ConfigError, match="known default"):
        settings.validate_for_start()  # the placeholder secret is public: replaced, prod may start
    env_file.write_text(example.replace("replace-with-the-infrazen-apps-JWT_SECRET_KEY-32chars+", "k" * 40))
    load_settings().validate_for_start()
