"""The chat, context and agent tests run on the demo dataset: `database_url` (which `settings`,
`make_settings` and `llm_settings` use) becomes the data layer's per-test seeded clone."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(seeded_db: str) -> str:
    return seeded_db
