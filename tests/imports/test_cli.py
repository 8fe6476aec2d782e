"""`infrazen-agent import focus PATH --tenant T` as a person runs it: a folder of files, the
report on stdout (RU or EN), a progress bar on stderr, one clear line and a non-zero exit for a
mistake — never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg

from infrazen_agent.imports.generate import write_focus
from tests.imports.conftest import SAMPLE
from tests.support.service_process import CLI


def _env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "S3_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        AGENT_DATA_DIR=str(data_dir),
        AGENT_LOAD_DEMO="false",
        LLM_OFFLINE="true",
    )
    return env


def test_import_a_folder_with_a_report_and_progress(database_url: str, redis_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "2025-06").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "sample.csv")
    write_focus(folder / "2025-06" / "gen.csv.gz", 500, tenants=("2002",), hourly=False)
    (folder / "notes.txt").write_text("not a bill")
    env = _env(database_url, redis_url, tmp_path / "data")
    res = subprocess.run(
        [*CLI, "import", "focus", str(folder), "--tenant", "acme", "--language", "en"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("FOCUS conformance report") == 2 and "Outcome: imported." in res.stdout
    assert "FOCUS version: 1.0" in res.stdout and "Rows read: 1,000, imported: 1,000, refused: 0" in res.stdout
    assert "100.0 %" in res.stderr and "Done: 2 files, 2 imported" in res.stderr
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM focus_imports WHERE tenant_id = 'acme'").fetchone() == (2,)
        # the folder's first file (2025-06/gen.csv.gz, RUB) made the tenant; the sample's USD is kept apart
        assert conn.execute("SELECT currency FROM tenants WHERE id = 'acme'").fetchone() == ("RUB",)
    assert "Charges in USD" in res.stdout and "kept apart" in res.stdout

    # the same in Russian, and JSON for scripts
    res = subprocess.run(
        [*CLI, "import", "focus", str(folder / "sample.csv"), "--tenant", "acme", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0 and "Итог: импортирован." in res.stdout and "Строк прочитано: 1\u00a0000" in res.stdout
    res = subprocess.run(
        [*CLI, "import", "focus", str(folder / "sample.csv"), "--tenant", "acme", "--json", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0 and '"status": "imported"' in res.stdout


def test_mistakes_are_one_line_and_a_non_zero_exit(database_url: str, redis_url: str, tmp_path: Path) -> None:
    env = _env(database_url, redis_url, tmp_path / "data")
    res = subprocess.run(
        [*CLI, "import", "focus", str(tmp_path / "missing.csv"), "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().startswith("ошибка:") and len(res.stderr.strip().splitlines()) == 1

    garbage = tmp_path / "bill.csv"
    garbage.write_bytes(bytes(range(256)) * 4)
    res = subprocess.run(
        [*CLI, "import", "focus", str(garbage), "--tenant", "acme", "--language", "en", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr + res.stdout
    assert "error: not a FOCUS CSV file" in res.stdout

    res = subprocess.run(
        [*CLI, "import", "focus", str(garbage), "--tenant", "acme", "--cost-column", "Cheapest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "invalid choice" in res.stderr and "Traceback" not in res.stderr
    help_text = subprocess.run([*CLI, "import", "focus", "--help"], env=env, capture_output=True, text=True).stdout
    for option in ("--tenant", "--cost-column", "--skip-bad-rows", "--language", "--json", "--quiet"):
        assert option in help_text
