"""A hostile resource name (markup, a script link, control characters) comes back as plain
text in every field of the recommendation text and in the offline chat answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import psycopg
import pytest

from infrazen_agent.config import Settings
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT, DemoIds

HOSTILE = "<img src=x onerror=alert(1)> [жми](javascript:alert(1)) `db`"


@pytest.fixture
async def client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(["generate_text", "chat"], seeded_settings) as c:
        yield c


def _assert_plain(text: str) -> None:
    assert "<img" not in text and "javascript:" not in text.lower() and "](" not in text and "`" not in text, text


async def test_hostile_names_are_plain_text_everywhere(
    client: httpx.AsyncClient, seeded_settings: Settings, demo: DemoIds, auth: Callable[..., dict[str, str]]
) -> None:
    rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    with psycopg.connect(seeded_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE resources SET name = %s, region = %s"
            " WHERE id = (SELECT resource_id FROM recommendations WHERE id = %s)",
            (HOSTILE, "ru-1<script>", rec),
        )
    h = auth("1001", MAIN_TENANT)
    r = await client.post("/v1/generate/recommendation-text", json={"recommendation_id": rec}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    for field in ("title", "summary", "text"):
        if isinstance(body.get(field), str):
            _assert_plain(body[field])
    assert "‹img" in body["title"] or "‹img" in body.get("text", "")  # still recognisable to a person
    for field in ("short_description_html", "detailed_description_html"):
        assert "<img" not in body[field] and "<script" not in body[field]
    started = await client.post("/v1/chat/start", json={"scope": "recommendation", "recommendation_id": rec}, headers=h)
    sid = started.json()["session_id"]
    answer = await client.post(f"/v1/chat/sessions/{sid}/messages", json={"content": "Что это за сервер?"}, headers=h)
    assert answer.status_code == 200, answer.text
    _assert_plain(answer.json()["content"])
    assert "‹img" in answer.json()["content"]  # the name was printed, as plain text
