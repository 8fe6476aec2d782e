"""Health and readiness: liveness never touches dependencies; readiness names what is down and
recovers when it returns (real Redis and Postgres stopped and restarted under the service)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis


async def test_liveness_needs_no_dependency(make_settings: Callable[..., Settings]) -> None:
    # Postgres/Redis URLs that cannot work: liveness still answers, readiness says why not.
    settings = make_settings(
        database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
        redis_url="redis://127.0.0.1:1/0",
    )
    app = create_app(["health"], settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        for path in ("/v1/health", "/_/health"):
            r = await c.get(path)
            assert r.status_code == 200 and r.json()["status"] == "ok"
        r = await c.get("/v1/ready")
        assert r.status_code == 503
        assert r.json()["status"] == "not_ready" and "start-up failed" in r.json()["error"]
        assert (await c.get("/_/ready")).status_code == 503


async def test_ready_reports_each_check_and_llm_mode(client: httpx.AsyncClient) -> None:
    for path in ("/v1/ready", "/_/ready"):
        r = await client.get(path)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "ready"
        assert set(body["checks"]) == {"postgres", "redis", "storage"}
        assert all(c["status"] == "up" and c["latency_ms"] >= 0 for c in body["checks"].values())
        assert body["llm"]["mode"] == "offline"


async def _ready(c: httpx.AsyncClient) -> tuple[int, dict[str, object]]:
    r = await c.get("/v1/ready")
    return r.status_code, r.json()


async def test_redis_outage_turns_ready_503_and_back(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "own-redis")
    url = redis.start()
    settings = make_settings(redis_url=url, ready_check_timeout_s=1.0)
    app = create_app(["health"], settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
            assert (await _ready(c))[0] == 200
            redis.stop()
            status, body = await _ready(c)
            assert status == 503 and body["down"] == ["redis"]
            assert body["checks"]["postgres"]["status"] == "up"  # type: ignore[index]
            redis.start()
            assert (await _ready(c))[0] == 200
    finally:
        await app.state.runtime.stop()
        redis.stop()


async def test_postgres_outage_turns_ready_503_and_back(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    pg = EmbeddedPostgres(Path("/tmp") / f"iza-pgo-{tmp_path.name[-8:]}")
    url = pg.start()
    settings = make_settings(database_url=url, ready_check_timeout_s=1.0)
    app = create_app(["health"], settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
            assert (await _ready(c))[0] == 200
            pg.stop()
            status, body = await _ready(c)
            assert status == 503 and body["down"] == ["postgres"]
            pg.start()
            for _ in range(3):  # the pool replaces the dead connection on the next checkout
                status, body = await _ready(c)
                if status == 200:
                    break
            assert status == 200, body
    finally:
        await app.state.runtime.stop()
        pg.stop()
        import shutil

        shutil.rmtree(pg.root, ignore_errors=True)


async def test_request_id_is_propagated_and_logged(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="infrazen_agent.access"):
        r = await client.get("/v1/health", headers={"X-Request-ID": "req-abc.123"})
        assert r.headers["x-request-id"] == "req-abc.123"
        r2 = await client.get("/v1/health", headers={"X-Call-Id": "call-7"})
        assert r2.headers["x-request-id"] == "call-7"
        r3 = await client.get("/v1/health", headers={"X-Request-ID": "bad id with spaces\n"})
        assert len(r3.headers["x-request-id"]) == 32  # unsafe ids are replaced, not echoed
    lines = [rec for rec in caplog.records if rec.name == "infrazen_agent.access"]
    first = next(rec for rec in lines if getattr(rec, "path", "") == "/v1/health")
    assert first.method == "GET" and first.status == 200 and first.latency_ms >= 0  # type: ignore[attr-defined]


def test_json_log_line_shape() -> None:
    from infrazen_agent.logs import JsonFormatter, request_id_var

    record = logging.LogRecord("infrazen_agent.access", logging.INFO, __file__, 1, "request", None, None)
    record.method, record.status = "GET", 200
    token = request_id_var.set("rid-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "request" and line["request_id"] == "rid-1" and line["status"] == 200


async def test_unknown_route_and_method_are_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await client.delete("/v1/health")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


async def test_unhandled_error_is_500_json_without_trace(settings: Settings) -> None:
    app = create_app(["health"], settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://a"
    ) as c:
        r = await c.get("/boom")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert r.json()["error"]["request_id"] == r.headers["x-request-id"]


async def test_metrics_exposed(client: httpx.AsyncClient) -> None:
    await client.get("/v1/health")
    r = await client.get("/metrics")
    assert r.status_code == 200 and "agent_http_requests_total" in r.text
