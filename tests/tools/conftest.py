"""Runtimes for tool tests: one reading through SQL, one through the internal API's reference
server (a real uvicorn on localhost over the same seeded database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from infrazen_agent.config import Settings
from infrazen_agent.data.internal_api import PREFIX, create_internal_api
from infrazen_agent.runtime import Runtime
from tests.support.servers import live_server


@pytest.fixture
async def http_runtime(
    seeded_settings: Settings, make_settings: Callable[..., Settings], seeded_db: str
) -> AsyncIterator[Runtime]:
    with live_server(create_internal_api(seeded_settings)) as server:
        runtime = Runtime(make_settings(database_url=seeded_db, agent_internal_api_base=server.url + PREFIX))
        await runtime.ensure_started()
        try:
            yield runtime
        finally:
            await runtime.stop()
