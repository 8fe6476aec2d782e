"""A real service (the tool and MCP components of the chat function) on a localhost port over the seeded
database, and the SDK's own client connected to its `/mcp` with a token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.support.servers import LiveServer, live_server

Connect = Callable[..., Any]


@pytest.fixture
def mcp_settings(seeded_settings: Settings) -> Settings:
    """The served settings; a test of limits overrides this fixture."""
    return seeded_settings


@pytest.fixture
def service(mcp_settings: Settings) -> Iterator[LiveServer]:
    with live_server(create_app(["tools", "mcp"], mcp_settings)) as server:
        yield server


@asynccontextmanager
async def mcp_session(
    url: str, token: str | None, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        httpx2.AsyncClient(headers=sent, timeout=30) as http,
        streamable_http_client(url + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.fixture
def connect(service: LiveServer) -> Connect:
    """`async with connect(token) as session:` — an initialized SDK client session on /mcp."""

    def open_session(token: str | None, headers: dict[str, str] | None = None) -> Any:
        return mcp_session(service.url, token, headers)

    return open_session
