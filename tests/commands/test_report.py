"""`infrazen-agent report`: the files land where asked, with the tenant's own figures; a tenant
without data and bad options get a sentence, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.data_fixtures import MAIN_TENANT

CLI = [sys.executable, "-m", "infrazen_agent.cli", "report"]


def _env(seeded_db: str, redis_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": seeded_db, "REDIS_URL": redis_url, "LLM_OFFLINE": "true"}


def test_the_report_files_are_written(seeded_db: str, redis_url: str, tmp_path: Path) -> None:
    args = ["--tenant", MAIN_TENANT, "--persona", "cfo", "--language", "en", "--out", str(tmp_path / "out")]
    done = subprocess.run([*CLI, *args], env=_env(seeded_db, redis_url), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    html, pdf = (
        tmp_path / "out" / f"report-{MAIN_TENANT}-cfo-en.html",
        tmp_path / "out" / f"report-{MAIN_TENANT}-cfo-en.pdf",
    )
    assert done.stdout.split() == [str(html), str(pdf)]
    assert "FinOps report: CFO" in html.read_text() and pdf.read_bytes().startswith(b"%PDF-")
    assert "sections in" in done.stderr


def test_bad_options_are_a_sentence(seeded_db: str, redis_url: str, tmp_path: Path) -> None:
    env = _env(seeded_db, redis_url)
    days = subprocess.run([*CLI, "--tenant", MAIN_TENANT, "--days", "0"], env=env, capture_output=True, text=True)
    assert days.returncode == 2 and "between 1 and 366" in days.stderr and "Traceback" not in days.stderr
    persona = subprocess.run(
        [*CLI, "--tenant", MAIN_TENANT, "--persona", "ceo"], env=env, capture_output=True, text=True
    )
    assert persona.returncode == 2 and "invalid choice" in persona.stderr
    empty = subprocess.run(
        [*CLI, "--tenant", "no-such-tenant", "--out", str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert (
        empty.returncode == 1 and "no FinOps data for this tenant" in empty.stderr and "Traceback" not in empty.stderr
    )
    assert list(tmp_path.iterdir()) == []
