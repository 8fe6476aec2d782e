"""Upload hygiene: metadata stripped before storage and before any model, the pixel limit exact,
per-user and per-tenant rate limits, a per-tenant quota, one object per tenant and image, and
expired uploads (rows and objects) gone after `gc`."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from infrazen_agent.app import create_app
from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.llm import image_part
from infrazen_agent.runtime import Runtime
from infrazen_agent.uploads import collect_garbage, read_upload, store_upload

GPS = 0x8825


def photo_with_gps(fmt: str = "JPEG", seed: int = 0) -> bytes:
    img = Image.new("RGB", (40, 30), (seed % 255, 90, 160))
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x0112] = 1
    exif.get_ifd(GPS).update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)})
    out = io.BytesIO()
    img.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def png(seed: int, w: int = 16, h: int = 16) -> bytes:
    """A distinct, incompressible image per seed, the same bytes every time."""
    pixels = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(w * h * 3 // 32 + 1))
    out = io.BytesIO()
    Image.frombytes("RGB", (w, h), pixels[: w * h * 3]).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def app_for(make_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    apps: list[Any] = []

    async def build(**overrides: Any) -> tuple[httpx.AsyncClient, Runtime]:
        app = create_app(["upload"], make_settings(**overrides))
        await app.state.runtime.ensure_started()
        apps.append(app)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a")
        return client, app.state.runtime

    yield build
    for app in apps:
        await app.state.runtime.stop()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_exif_gps_is_gone_from_the_object_and_from_what_the_model_gets(runtime: Runtime, fmt: str) -> None:
    data = photo_with_gps(fmt)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS), "the fixture carries GPS"
    alice = Principal("alice", "t-a", roles=("analyst",))
    record = await store_upload(runtime, alice, "photo", data)
    _, stored = await read_upload(runtime, alice, record.upload_id)
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif() and "exif" not in img.info and b"Jane Doe" not in stored
    part = await image_part(runtime, alice, record.upload_id)
    import base64

    sent = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
    assert sent == stored and b"Jane Doe" not in sent and not Image.open(io.BytesIO(sent)).getexif()


async def test_the_pixel_limit_is_exact(app_for: Callable[..., Any], auth: Callable[..., dict[str, str]]) -> None:
    client, _ = await app_for(upload_max_pixels=50_000_000)
    headers = auth("u1", "t1", roles=["analyst"])

    def blank(w: int, h: int) -> bytes:
        out = io.BytesIO()
        Image.new("1", (w, h)).save(out, "PNG")
        return out.getvalue()

    over = await client.post(
        "/v1/upload", headers=headers, files={"file": ("a.png", blank(10_000, 5_000) + b"", "image/png")}
    )
    assert over.status_code == 201, over.text  # exactly 50 Mpx
    one_more = await client.post(
        "/v1/upload", headers=headers, files={"file": ("b.png", blank(50_000_001, 1), "image/png")}
    )
    assert one_more.status_code == 413 and one_more.json()["error"]["code"] == "payload_too_large"
    assert "50000001" in one_more.json()["error"]["message"]


async def test_user_and_tenant_rate_limits_hold(
    app_for: Callable[..., Any], auth: Callable[..., dict[str, str]]
) -> None:
    client, _ = await app_for(upload_user_per_minute=5, upload_tenant_per_minute=8)
    codes = []
    for i in range(12):
        r = await client.post(
            "/v1/upload", headers=auth("u1", "t1", roles=["analyst"]), files={"file": ("a.png", png(i), "image/png")}
        )
        codes.append(r.status_code)
    assert codes.count(201) == 5 and codes[5:] == [429] * 7
    assert r.headers["retry-after"].isdigit() and "from you" in r.json()["error"]["message"]
    # Another user of the tenant: the tenant's limit (8) leaves three.
    other = [
        (
            await client.post(
                "/v1/upload",
                headers=auth("u2", "t1", roles=["analyst"]),
                files={"file": ("a.png", png(50 + i), "image/png")},
            )
        ).status_code
        for i in range(5)
    ]
    assert other == [201, 201, 201, 429, 429]
    # Another tenant is not touched by either.
    r = await client.post(
        "/v1/upload", headers=auth("u9", "t9", roles=["analyst"]), files={"file": ("a.png", png(99), "image/png")}
    )
    assert r.status_code == 201


async def test_quota_and_de_duplication_per_tenant(
    app_for: Callable[..., Any], auth: Callable[..., dict[str, str]]
) -> None:
    client, runtime = await app_for(upload_tenant_quota_bytes=4_000)
    a1, a2 = auth("u1", "t1", roles=["analyst"]), auth("u2", "t1", roles=["analyst"])
    first = (await client.post("/v1/upload", headers=a1, files={"file": ("a.png", png(1, 24, 24), "image/png")})).json()
    again = (await client.post("/v1/upload", headers=a1, files={"file": ("a.png", png(1, 24, 24), "image/png")})).json()
    assert again["upload_id"] == first["upload_id"]  # the same user, the same image: the same upload
    theirs = (
        await client.post("/v1/upload", headers=a2, files={"file": ("a.png", png(1, 24, 24), "image/png")})
    ).json()
    assert theirs["upload_id"] != first["upload_id"]
    async with runtime.pool.connection() as conn:
        rows = await (await conn.execute("SELECT DISTINCT object_key FROM uploads WHERE tenant_id = 't1'")).fetchall()
    assert len(rows) == 1  # one object for the tenant's image
    codes = []
    for i in range(10):
        r = await client.post("/v1/upload", headers=a1, files={"file": ("b.png", png(10 + i, 24, 24), "image/png")})
        codes.append(r.status_code)
    assert 201 in codes and codes[-1] == 413
    assert r.json()["error"]["code"] == "quota_exceeded"
    used = sum(1 for c in codes if c == 201) + 1
    assert used * len(png(1, 24, 24)) <= 4_000 + len(png(1, 24, 24))
    # The quota is the tenant's: another tenant still uploads.
    ok = await client.post(
        "/v1/upload",
        headers=auth("u1", "t2", roles=["analyst"]),
        files={"file": ("a.png", png(1, 24, 24), "image/png")},
    )
    assert ok.status_code == 201
    # Deleting an upload frees its room.
    deleted = await client.delete(f"/v1/upload/{first['upload_id']}", headers=a1)
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/upload/{first['upload_id']}", headers=a1)).status_code == 404
    assert (await client.get(f"/v1/upload/{theirs['upload_id']}", headers=a2)).status_code == 200  # shared object kept


async def test_expired_uploads_disappear_after_gc(runtime: Runtime) -> None:
    alice, bob = Principal("alice", "t-gc", roles=("analyst",)), Principal("bob", "t-gc", roles=("analyst",))
    records = [await store_upload(runtime, alice, f"{i}.png", png(200 + i)) for i in range(5)]
    shared = await store_upload(runtime, bob, "0.png", png(200))  # the same image as alice's first
    await runtime.store.put("uploads/t-gc/orphan.png", png(300), "image/png")  # a crash's leftover
    async with runtime.pool.connection() as conn:
        await conn.execute("UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE user_id = 'alice'")
    report = await collect_garbage(runtime, orphan_age_s=0)
    assert report == {"expired_uploads": 5, "orphan_objects": 1}
    async with runtime.pool.connection() as conn:
        left = await (await conn.execute("SELECT id FROM uploads WHERE tenant_id = 't-gc'")).fetchall()
    assert [r["id"] for r in left] == [shared.upload_id]
    keys = await runtime.store.keys("uploads/t-gc/", 0)
    assert keys == [shared.object_key]  # bob's row still points at the shared object
    for r in records:
        assert r.object_key == shared.object_key or r.object_key not in keys
