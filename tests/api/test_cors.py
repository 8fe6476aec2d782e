"""CORS for AGENT_CORS_ORIGINS: preflights answered for configured origins only, credentials off;
empty = no cross-origin access at all."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.api.test_upload import png_bytes

PAGE = "https://app.infrazen.ru"


def _client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(["health", "upload"], settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent")


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }


async def test_configured_origins_get_preflights_and_headers(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(agent_cors_origins=f"{PAGE}, https://other.infrazen.ru")
    assert settings.agent_cors_origins == [PAGE, "https://other.infrazen.ru"]
    async with _client(settings) as c:
        ok = await c.options("/v1/chat/upload", headers=_preflight(PAGE))
        evil = await c.options("/v1/chat/upload", headers=_preflight("https://infrazen.ru.evil.example"))
        upload = await c.post(
            "/v1/chat/upload", headers={"Origin": PAGE}, files={"file": ("a.png", png_bytes(), "image/png")}
        )
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == PAGE
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in ok.headers
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
    assert upload.status_code == 200, upload.text
    assert upload.headers["access-control-allow-origin"] == PAGE


async def test_no_origins_configured_means_no_cross_origin_access(make_settings: Callable[..., Settings]) -> None:
    async with _client(make_settings()) as c:
        preflight = await c.options("/v1/chat/upload", headers=_preflight(PAGE))
        health = await c.get("/v1/health", headers={"Origin": PAGE})
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in health.headers
