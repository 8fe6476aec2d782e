"""`infrazen-agent seed` and `infrazen-agent demo` against a real database."""

from __future__ import annotations

import json

import pytest

from infrazen_agent.cli import main
from infrazen_agent.data.model import REC_TYPES


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: object) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AGENT_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(str(tmp_path))  # no config.agent.env from the checkout


def test_seed_then_demo_prints_tenants_users_and_ids(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--end-day", "2025-06-30"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeded"] is True and report["tenants"] == 3
    assert main(["seed"]) == 0
    assert json.loads(capsys.readouterr().out)["seeded"] is False  # idempotent: data present
    assert main(["demo", "--per-type", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    tenants = {t["id"]: t for t in out["tenants"]}
    assert set(tenants) == {"1001", "2002", "globex"}
    main_tenant = tenants["1001"]
    assert any(u["is_demo"] for u in main_tenant["users"])
    for rec_type in REC_TYPES:
        ids = main_tenant["recommendations"][rec_type]["ids"]
        assert 1 <= len(ids) <= 2 and all(isinstance(i, int) for i in ids)
    assert len(main_tenant["resources"]["server"]["ids"]) == 2
    assert "token" in out["hint"]


def test_demo_seeds_an_empty_database_first(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert len(json.loads(capsys.readouterr().out)["tenants"]) == 3
