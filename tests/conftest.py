"""Shared fixtures: real Postgres (+pgvector), real Redis, an S3 endpoint (moto server), settings
and apps wired to them. Session-scoped servers are started once; each test that writes gets a
fresh database and a flushed Redis so tests never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from infrazen_agent.runtime import Runtime

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Fixtures of each layer live in their own plugin module (one owner each).
pytest_plugins = ["tests.support.data_fixtures", "tests.support.llm_fixtures"]
TEST_SECRET = "test-secret-0123456789abcdef-for-tests"


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    # Short path: Unix socket paths must stay under ~107 bytes.
    root = Path(tempfile.mkdtemp(prefix="iza-t-", dir="/tmp"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(tmp_root: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_root / "pg")
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def pg_admin_url(pg_server: EmbeddedPostgres) -> str:
    return pg_server.url


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty database per test (migrations are applied by the runtime)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_admin_url.replace("/postgres?", f"/{name}?")
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_server(tmp_root: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_root / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own (unix socket, append-only file), for tests that stop, freeze or
    kill it."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def make_settings(database_url: str, redis_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": redis_url,
            "agent_data_dir": tmp_path / "data",
            "agent_service_jwt_secret": TEST_SECRET,
            "agent_load_demo": False,
            "llm_offline": True,
            # Tests send many messages as one user; the tests of the limit set their own.
            "user_messages_per_minute": 10_000,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def token_for(settings: Settings) -> Callable[..., str]:
    def mint(user: str = "u1", tenant: str | None = None, **kw: Any) -> str:
        return mint_token(settings, user=user, tenant=tenant, **kw)

    return mint


@pytest.fixture
def auth(token_for: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def headers(user: str = "u1", tenant: str | None = None, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(user, tenant, **kw)}"}

    return headers


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The whole service (every component) in-process over ASGI."""
    app = create_app(["health", "upload", "generate_text", "chat", "tools"], settings)
    runtime = app.state.runtime
    await runtime.ensure_started()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agent") as c:
        yield c
    await runtime.stop()


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A started runtime on the test's own database and Redis."""
    rt = Runtime(settings)
    await rt.ensure_started()
    yield rt
    await rt.stop()
