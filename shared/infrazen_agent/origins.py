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
    """A handshake with no Origin is not from a browser page; a page may connect from its own
    origin or from a configured one. Anything else could be another site riding a user's token."""
    origin = conn.headers.get("origin")
    if not origin:
        return True
    if origin in settings.agent_cors_origins:
        return True
    return urlsplit(origin).netloc.lower() == conn.headers.get("host", "").lower()
