"""Fixtures: the seeded database of the chat tests (demo dataset per test)."""

from __future__ import annotations

from tests.chat.seeded import database_url

__all__ = ["database_url"]
