"""`infrazen-agent text <id>`: a newcomer prints a demo recommendation's text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.data_fixtures import MAIN_TENANT, DemoIds


def test_text_command_prints_markdown_and_json(seeded_db: str, redis_url: str, demo: DemoIds) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "rightsize_cpu")
    env = {
        **os.environ,
        "DATABASE_URL": seeded_db,
        "REDIS_URL": redis_url,
        "LLM_OFFLINE": "true",
        "AGENT_LOAD_DEMO": "false",
    }
    cli = [sys.executable, "-m", "infrazen_agent.cli", "text", str(rec_id)]
    md = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    assert md.startswith("**") and "₽/мес" in md
    body = json.loads(
        subprocess.run(
            [*cli, "--json", "--language", "en"], env=env, capture_output=True, text=True, timeout=60, check=True
        ).stdout
    )
    assert body["recommendation_id"] == rec_id and body["language"] == "en"
    missing = subprocess.run([*cli[:-1], "999999999"], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "not found" in missing.stdout


def test_another_tenants_recommendation_is_one_clear_line_not_a_traceback(
    seeded_db: str, redis_url: str, demo: DemoIds
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    env = {**os.environ, "DATABASE_URL": seeded_db, "REDIS_URL": redis_url, "LLM_OFFLINE": "true"}
    env["AGENT_LOAD_DEMO"] = "false"
    cli = [sys.executable, "-m", "infrazen_agent.cli", "text", str(rec_id), "--tenant", "2002"]
    res = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.strip() == f"infrazen-agent text: recommendation {rec_id} not found (not_found)"
    assert "Traceback" not in res.stderr + res.stdout
    version = subprocess.run([*cli[:3], "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("infrazen-agent 0.")
