"""Which browser origins may reach the service: AGENT_CORS_ORIGINS for CORS on the HTTP routes
(preflight answered, credentials off) and for the `Origin` of WebSocket handshakes."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection

from .config import Settings


def install_cors(app: FastAPI, settings: Settings) -> None:
    if settings.agent_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.agent_cors_origins,
            allow_credentials=False,  # tokens travel in headers, never in cookies
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After"],
            max_age=600,
        )


def origin_allowed(settings: Settings, conn: HTTPConnection) -> bool:
    """A request with no Origin is not from a browser page. A page may come from a configured
    origin, from the service's own public URL (AGENT_PUBLIC_URL), or in dev from the host it asked
    for (in prod the Host header is not trusted for this: DNS rebinding would pass it)."""
    origin = conn.headers.get("origin")
    if not origin:
        return True
    if origin in settings.agent_cors_origins:
        return True
    netloc = urlsplit(origin).netloc.lower()
    if settings.agent_public_url:
        return netloc == urlsplit(settings.agent_public_url).netloc.lower()
    return settings.agent_env == "dev" and netloc == conn.headers.get("host", "").lower()
