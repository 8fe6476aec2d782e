"""Fixtures of the knowledge tests: a started runtime (fresh database, real pgvector) with the
packaged knowledge base indexed, and principals of two tenants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.knowledge.index import ensure_guides
from infrazen_agent.runtime import Runtime

LABELLED = Path(__file__).with_name("labelled_questions.json")


def viewer(tenant: str, user: str | None = None, **scope: Any) -> Principal:
    return Principal(user_id=user or f"u-{tenant}", tenant_id=tenant, roles=("viewer",), scope=scope)


def labelled_questions() -> list[dict[str, str]]:
    questions: list[dict[str, str]] = json.loads(LABELLED.read_text(encoding="utf-8"))["questions"]
    return questions


@pytest.fixture
async def indexed(runtime: Runtime) -> Runtime:
    """The runtime with the packaged base indexed (as the first search would)."""
    await ensure_guides(runtime)
    return runtime
