"""Uploads without a token (the InfraZen browser client sends none): quarantined, readable by
nobody, claimed for good by the first authenticated chat turn that references them."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import websockets
from PIL import Image

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.errors import NotFound
from infrazen_agent.runtime import Runtime
from infrazen_agent.uploads import claim_upload, read_upload, sweep_expired_uploads
from tests.api.test_upload import png_bytes
from tests.chat.clients import Chat, query, running_chat
from tests.chat.seeded import database_url
from tests.chat.test_legacy_client import _frames, infrazen_token

__all__ = ["database_url"]


@pytest.fixture
def chat(settings: Settings) -> Iterator[Chat]:
    with running_chat(settings.model_copy(update={"upload_anonymous_per_minute": 50})) as c:
        yield c


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings)
    await rt.ensure_started()
    try:
        yield rt
    finally:
        await rt.stop()


async def _anonymous_upload(
    c: httpx.AsyncClient, data: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """As the page does: no token, the page's Origin (here the service's own, allowed in dev)."""
    return await c.post(
        "/v1/chat/upload",
        files={"file": ("shot.png", data or png_bytes(), "image/png")},
        headers={"Origin": str(c.base_url).rstrip("/"), **(headers or {})},
    )


async def _ask_with_image(chat: Chat, user: int | str, image_id: str) -> dict[str, object]:
    token = infrazen_token(user, scenario="analytics")
    async with websockets.connect(f"{chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": f"[image:{image_id}] Что на скриншоте?"}))
        frame: dict[str, object] = (await _frames(conn, "assistant"))[-1]
        return frame


async def test_an_unclaimed_upload_is_readable_by_nobody(chat: Chat) -> None:
    async with chat.http() as c:
        up = await _anonymous_upload(c)
        assert up.status_code == 200, up.text
        image_id = up.json()["image_id"]
        assert 0 < up.json()["expires_in"] <= chat.settings.upload_quarantine_ttl_s
        for user, tenant in (("1001", "1001"), ("globex", "globex"), ("", "")):
            r = await c.get(f"/v1/upload/{image_id}", headers=chat.headers(user or "x", tenant or "x"))
            assert r.status_code == 404
    async with started(chat.settings) as rt:
        for principal in (Principal("1001", "1001"), Principal("", "")):
            with pytest.raises(NotFound):
                await read_upload(rt, principal, image_id)
    [row] = query(chat.settings, "SELECT tenant_id, quarantined, object_key FROM uploads WHERE id = %s", image_id)
    assert row["quarantined"] and row["tenant_id"] == "" and "/_quarantine/" in row["object_key"]


async def test_the_first_authenticated_turn_claims_it_for_good(chat: Chat) -> None:
    async with chat.http() as c:
        image_id = (await _anonymous_upload(c)).json()["image_id"]
    answer = await _ask_with_image(chat, 1001, image_id)
    assert not answer.get("error") and "скриншот" in str(answer["content"]).lower()
    async with chat.http() as c:
        mine = await c.get(f"/v1/upload/{image_id}", headers=chat.headers("1001", "1001"))
        assert mine.status_code == 200
        for user, tenant in (("1002", "1001"), ("globex", "globex")):
            assert (await c.get(f"/v1/upload/{image_id}", headers=chat.headers(user, tenant))).status_code == 404
    # Another tenant referencing the claimed id: "not found", and the owner is unchanged.
    stolen = await _ask_with_image(chat, "globex", image_id)
    assert stolen.get("error") and "Изображение не найдено" in str(stolen["content"])
    [row] = query(
        chat.settings, "SELECT tenant_id, user_id, quarantined, object_key FROM uploads WHERE id = %s", image_id
    )
    assert (row["tenant_id"], row["user_id"], row["quarantined"]) == ("1001", "1001", False)
    assert row["object_key"].startswith("uploads/1001/")  # moved out of the quarantine prefix
    async with started(chat.settings) as rt:
        _, data = await read_upload(rt, Principal("1001", "1001"), image_id)
    assert Image.open(io.BytesIO(data)).tobytes() == Image.open(io.BytesIO(png_bytes())).tobytes()


async def test_concurrent_claims_have_one_winner_each(chat: Chat) -> None:
    async with chat.http() as c:
        ids = [(await _anonymous_upload(c)).json()["image_id"] for _ in range(20)]
    claimers = [Principal(t, t, roles=("analyst",)) for t in ("1001", "globex", "2002")]

    async def attempt(principal: Principal, upload_id: str) -> str | None:
        try:
            return (await claim_upload(rt, principal, upload_id)).tenant_id
        except NotFound:
            return None

    async with started(chat.settings) as rt:
        results = await asyncio.gather(*(attempt(p, i) for i in ids for p in claimers))
    winners = [r for r in results if r is not None]
    assert len(winners) == len(ids)  # exactly one claimer per upload
    rows = query(chat.settings, "SELECT id, tenant_id FROM uploads WHERE id = ANY(%s)", ids)
    assert all(r["tenant_id"] in ("1001", "globex", "2002") for r in rows) and len(rows) == len(ids)


async def test_an_expired_quarantine_cannot_be_claimed(chat: Chat) -> None:
    async with chat.http() as c:
        image_id = (await _anonymous_upload(c)).json()["image_id"]
    query(
        chat.settings,
        "UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id",
        image_id,
    )
    answer = await _ask_with_image(chat, 1001, image_id)
    assert answer.get("error") and "Изображение не найдено" in str(answer["content"])


async def test_with_a_token_the_upload_is_the_callers_at_once(chat: Chat) -> None:
    token = infrazen_token(1001, scenario="analytics")
    async with chat.http() as c:
        for kwargs in ({"params": {"token": token}}, {"headers": {"Authorization": f"Bearer {token}"}}):
            up = await c.post("/v1/chat/upload", files={"file": ("a.png", png_bytes(), "image/png")}, **kwargs)
            assert up.status_code == 200
            image_id = up.json()["image_id"]
            assert (await c.get(f"/v1/upload/{image_id}", headers=chat.headers("1001", "1001"))).status_code == 200
        bad = await c.post("/v1/chat/upload", params={"token": "garbage"}, files={"file": ("a.png", png_bytes())})
        assert bad.status_code == 401 and "eyJ" not in bad.text


async def test_limits_hold_and_refusals_store_nothing(settings: Settings) -> None:
    tight = settings.model_copy(update={"upload_anonymous_per_minute": 5, "upload_max_pixels": 10_000})
    with running_chat(tight) as chat:
        async with chat.http() as c:
            too_many_pixels = await _anonymous_upload(c, png_bytes(200, 100))
            not_an_image = await _anonymous_upload(c, b"<?php evil")
            burst = [await _anonymous_upload(c) for _ in range(12)]
    assert too_many_pixels.status_code == 413 and "pixels" in too_many_pixels.json()["error"]["message"]
    assert not_an_image.status_code == 415
    statuses = [r.status_code for r in burst]
    # 5 a minute per address, and the two refused above counted against it
    assert statuses.count(200) == 3 and statuses.count(429) == 9, statuses
    assert all("Retry-After" in r.headers for r in burst if r.status_code == 429)
    stored = query(chat.settings, "SELECT count(*) AS n FROM uploads")[0]["n"]
    assert stored == 3


async def test_without_a_token_only_an_allowed_page_may_upload(chat: Chat) -> None:
    async with chat.http() as c:
        files = {"file": ("a.png", png_bytes(), "image/png")}
        no_origin = await c.post("/v1/chat/upload", files=files)
        foreign = await c.post("/v1/chat/upload", files=files, headers={"Origin": "https://evil.example"})
    assert no_origin.status_code == foreign.status_code == 403
    assert "AGENT_CORS_ORIGINS" in foreign.json()["error"]["message"]
    assert query(chat.settings, "SELECT count(*) AS n FROM uploads")[0]["n"] == 0


async def test_a_forged_address_cannot_store_without_bound(settings: Settings) -> None:
    """Where proxy headers are believed, a client can pick its address per request: the cap on
    unclaimed uploads still bounds what it stores."""
    capped = settings.model_copy(update={"upload_anonymous_per_minute": 1000, "upload_quarantine_max": 5})
    with running_chat(capped) as chat:
        async with chat.http() as c:
            burst = [await _anonymous_upload(c, headers={"X-Forwarded-For": f"10.0.{i}.1"}) for i in range(12)]
    assert [r.status_code for r in burst].count(200) == 5
    assert query(chat.settings, "SELECT count(*) AS n FROM uploads WHERE quarantined")[0]["n"] == 5


async def test_expired_uploads_are_swept_objects_and_rows(chat: Chat) -> None:
    async with chat.http() as c:
        ids = [(await _anonymous_upload(c)).json()["image_id"] for _ in range(3)]
        kept = (await _anonymous_upload(c)).json()["image_id"]
    expire = "UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = ANY(%s) RETURNING object_key"
    keys = [r["object_key"] for r in query(chat.settings, expire, ids)]
    async with started(chat.settings) as rt:
        assert await sweep_expired_uploads(rt) == 3
        for key in keys:
            with pytest.raises(Exception):  # noqa: B017 - the store's own not-found error
                await rt.store.get(key)
    left = {r["id"] for r in query(chat.settings, "SELECT id FROM uploads")}
    assert left == {kept}


async def test_the_demo_user_claims_nothing(chat: Chat) -> None:
    async with chat.http() as c:
        image_id = (await _anonymous_upload(c)).json()["image_id"]
    token = infrazen_token(1001, scenario="analytics", role="demouser")
    async with websockets.connect(f"{chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": f"[image:{image_id}] Что тут?"}))
        answer = (await _frames(conn, "assistant"))[-1]
    assert answer.get("error") and "Изображение не найдено" in str(answer["content"])
    [row] = query(chat.settings, "SELECT quarantined FROM uploads WHERE id = %s", image_id)
    assert row["quarantined"]  # still unclaimed: the real user can still claim it
