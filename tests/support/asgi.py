"""The service (some components) in-process over ASGI, its runtime started and stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings


@asynccontextmanager
async def in_process(components: Sequence[str], settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(components, settings)
    await app.state.runtime.ensure_started()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent", timeout=30) as c:
            yield c
    finally:
        await app.state.runtime.stop()
