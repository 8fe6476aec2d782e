"""Fixtures for the FOCUS import: the FinOps Foundation's sample (tests/imports/data), an import
run the way the CLI runs it, and the sample's figures computed independently — the CSV read with
`csv` into SQLite and summed there, never through the import or the tools."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.imports.jobs import create_job, public_view, run_job
from infrazen_agent.imports.load import ImportOptions
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, ToolResult, get_registry

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "focus_1.0_sample_1000.csv"
SAMPLE_TENANT = "acme"


async def run_import(
    runtime: Runtime, tenant: str, path: Path, *, cost_column: str = "EffectiveCost", skip_bad_rows: bool = False
) -> dict[str, Any]:
    principal = Principal(user_id="tester", tenant_id=tenant, roles=("admin",))
    options = ImportOptions(cost_column=cost_column, skip_bad_rows=skip_bad_rows)
    job = await create_job(runtime, principal, path.name, options)
    return public_view(await run_job(runtime, principal, job["id"], path, path.name, options))


async def call_tool(runtime: Runtime, tenant: str, name: str, **arguments: Any) -> dict[str, Any]:
    ctx = ToolContext(runtime=runtime, principal=Principal(user_id="u-" + tenant, tenant_id=tenant), request_id="t")
    result: ToolResult = await get_registry().call(name, arguments, ctx)
    assert result.ok, result.error
    assert result.data is not None
    return result.data


def _value(text: str) -> str | None:
    return None if text in ("", "NULL") else text


def load_sqlite(path: Path) -> sqlite3.Connection:
    """The CSV as a SQLite table `bill` (every column text; nulls as NULL)."""
    db = sqlite3.connect(":memory:")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        quoted = ", ".join(f'"{c}"' for c in header)
        db.execute(f"CREATE TABLE bill ({quoted})")
        db.executemany(
            f"INSERT INTO bill VALUES ({', '.join('?' for _ in header)})", ([_value(v) for v in row] for row in reader)
        )
    return db


@pytest.fixture
def sample_db() -> Iterator[sqlite3.Connection]:
    db = load_sqlite(SAMPLE)
    yield db
    db.close()
