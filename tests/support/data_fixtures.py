"""Fixtures for the data layer (see tests/conftest.py for the shared servers).

- `seeded_db`: a fresh database with the demo dataset, cloned per test from a template seeded
  once per session (cloning takes ~0.2 s; seeding ~1 s).
- `seeded_settings`: `Settings` pointing at it (plus the test Redis).
- `demo`: `DemoIds` — the demo tenants, users, and ids of resources and recommendations by type.
- `seeded_runtime`: a started `Runtime` over `seeded_settings`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest

from infrazen_agent.config import Settings
from infrazen_agent.data.loader import SeedReport, demo_summary, seed_database
from infrazen_agent.db import migrate
from infrazen_agent.runtime import Runtime

# A fixed end day: the same dataset on every run (the CLI uses today).
DEMO_END_DAY = date(2025, 6, 30)
MAIN_TENANT = "1001"  # owned by user "1001" (legacy InfraZen tokens land here)
SMALL_TENANT = "2002"
USD_TENANT = "globex"


@dataclass(frozen=True)
class DemoIds:
    summary: dict[str, Any]
    report: SeedReport

    def tenant(self, tenant_id: str) -> dict[str, Any]:
        return next(t for t in self.summary["tenants"] if t["id"] == tenant_id)

    def resource(self, tenant_id: str, resource_type: str, index: int = 0) -> int:
        ids: list[int] = self.tenant(tenant_id)["resources"][resource_type]["ids"]
        return ids[index]

    def recommendation(self, tenant_id: str, rec_type: str, index: int = 0) -> int:
        ids: list[int] = self.tenant(tenant_id)["recommendations"][rec_type]["ids"]
        return ids[index]

    def owner(self, tenant_id: str) -> str:
        users = self.tenant(tenant_id)["users"]
        return str(next(u["id"] for u in users if u["role"] == "admin"))


def _url(admin_url: str, name: str) -> str:
    return admin_url.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="session")
def demo_template(pg_admin_url: str) -> Iterator[tuple[str, DemoIds]]:
    name = f"tpl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _url(pg_admin_url, name)

    async def build() -> DemoIds:
        await migrate(url)
        report = await seed_database(url, end_day=DEMO_END_DAY)
        return DemoIds(summary=await demo_summary(url, per_type=5), report=report)

    ids = asyncio.run(build())
    yield name, ids
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def seeded_db(pg_admin_url: str, demo_template: tuple[str, DemoIds]) -> Iterator[str]:
    """A fresh database holding the demo dataset (safe to write to)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{demo_template[0]}"')
    yield _url(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo(demo_template: tuple[str, DemoIds]) -> DemoIds:
    return demo_template[1]


@pytest.fixture
def seeded_settings(make_settings: Callable[..., Settings], seeded_db: str) -> Settings:
    return make_settings(database_url=seeded_db)


@pytest.fixture
async def seeded_runtime(seeded_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = Runtime(seeded_settings)
    await runtime.ensure_started()
    yield runtime
    await runtime.stop()
