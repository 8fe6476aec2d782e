"""The holes an attack found on the HTTP side: bodies capped before they are read, NUL bytes as
clear 422s (and still audited), security headers, diagnostics for admins only when configured,
and a quick retryable 503 when Postgres goes away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import httpx
import psycopg
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT


@pytest.fixture
async def client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(["health", "upload", "chat", "tools", "generate_text"], seeded_settings) as c:
        yield c


async def test_bodies_over_the_cap_are_refused_before_they_are_read(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    h = {**auth("1001", MAIN_TENANT), "Content-Type": "application/json"}
    declared = await client.post("/v1/chat/start", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=h)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"scope": "analytics", "page_context": {"x": "'
        for _ in range(64):
            yield b"a" * 32 * 1024
        yield b'"}}'

    chunked = await client.post("/v1/chat/start", content=chunks(), headers=h)
    assert chunked.status_code == 413
    small = await client.post("/v1/chat/start", json={"scope": "analytics"}, headers=auth("1001", MAIN_TENANT))
    assert small.status_code == 201


async def test_nul_bytes_in_tool_arguments_are_a_422_and_still_audited(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], seeded_settings: Settings
) -> None:
    for body in ({"rec_type": "x\x00y"}, {"limit": 3, "\x00": 1}):
        r = await client.post("/v1/tools/summarize_top_recommendations", json=body, headers=auth("1001", MAIN_TENANT))
        assert r.status_code == 422 and "control characters" in r.json()["error"]["message"]
    with psycopg.connect(seeded_settings.database_url) as conn:
        rows = conn.execute(
            "SELECT outcome, error_code FROM tool_calls WHERE tool = 'summarize_top_recommendations'"
        ).fetchall()
    assert rows == [("error", "invalid_input")] * 2


async def test_security_headers_on_every_answer(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    for r in (
        await client.get("/v1/health"),
        await client.get("/v1/tools", headers=auth()),
        await client.get("/v1/nothing-here"),
        await client.get("/v1/tools"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"


async def test_diagnostics_are_for_admins_when_configured(
    make_settings: Callable[..., Settings], auth: Callable[..., dict[str, str]]
) -> None:
    app = create_app(["health"], make_settings(agent_diagnostics="admin"))
    await app.state.runtime.ensure_started()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent") as c:
            anonymous = await c.get("/v1/ready")
            viewer = await c.get("/v1/ready", headers=auth("u1", "t1"))
            admin = await c.get("/v1/ready", headers=auth("u1", "t1", roles=["admin"]))
            probe = await c.get("/_/ready")
            metrics_anonymous = await c.get("/metrics")
            metrics_admin = await c.get("/metrics", headers=auth("u1", "t1", roles=["admin"]))
    finally:
        await app.state.runtime.stop()
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ready"}
    assert viewer.json() == {"status": "ready"} and probe.json() == {"status": "ready"}
    assert "checks" in admin.json()
    assert metrics_anonymous.status_code == 401 and metrics_admin.status_code == 200


async def test_postgres_gone_is_a_quick_retryable_503_and_readiness_comes_back(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], pg_admin_url: str, seeded_settings: Settings
) -> None:
    db = psycopg.conninfo.conninfo_to_dict(seeded_settings.database_url)["dbname"]
    h = auth("1001", MAIN_TENANT)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
        try:
            timings = []
            for path, body in (("/v1/tools/get_user_context", {}), ("/v1/chat/start", {"scope": "analytics"})):
                t0 = time.monotonic()
                r = await client.post(path, json=body, headers=h)
                timings.append(time.monotonic() - t0)
                assert r.status_code == 503, r.text
                assert r.json()["error"]["retryable"] is True and "Traceback" not in r.text
            assert max(timings) < 2.0, timings
            assert (await client.get("/v1/ready")).status_code == 503
        finally:
            admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    t0 = time.monotonic()
    while (await client.get("/v1/ready")).status_code != 200:
        assert time.monotonic() - t0 < 10, "readiness did not come back"
        await asyncio.sleep(0.1)
    back = time.monotonic() - t0
    r = await client.post("/v1/tools/get_user_context", json={}, headers=h)
    assert r.status_code == 200
    print(f"503 in {max(timings):.2f} s; ready again {back:.2f} s after Postgres accepts connections")
