"""Fixtures of the chat tests: a started runtime on the test's Postgres and Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from infrazen_agent.config import Settings

from .clients import Chat, running_chat
from .seeded import database_url

__all__ = ["database_url"]


@pytest.fixture
def offline_chat(settings: Settings) -> Iterator[Chat]:
    """The chat service with no model (offline answers)."""
    with running_chat(settings) as chat:
        yield chat


@pytest.fixture
def online_chat(llm_settings: Callable[..., Settings]) -> Iterator[Chat]:
    """The chat service on the scripted model server."""
    with running_chat(llm_settings()) as chat:
        yield chat
