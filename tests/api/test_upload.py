"""Uploads over HTTP on both stores (local directory and an S3 endpoint): validation by content,
limits, tenant-bound ids, and the existing InfraZen client's endpoint."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import AsyncIterator, Callable

import boto3
import httpx
import pytest
from PIL import Image

from infrazen_agent.app import create_app
from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.uploads import read_upload


def png_bytes(w: int = 8, h: int = 4) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(params=["local", "s3"])
async def upload_client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], s3_endpoint: str
) -> AsyncIterator[httpx.AsyncClient]:
    overrides: dict[str, object] = {"upload_max_bytes": 200_000}
    if request.param == "s3":
        overrides.update(
            s3_endpoint_url=s3_endpoint,
            s3_bucket=f"b-{id(request)}",
            s3_access_key_id="test",
            s3_secret_access_key="test",
        )
    app = create_app(["upload"], make_settings(**overrides))
    await app.state.runtime.ensure_started()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    await app.state.runtime.stop()


async def test_multipart_upload_round_trip(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    data = png_bytes()
    r = await upload_client.post(
        "/v1/upload",
        headers=auth("u1", "t1", roles=["analyst"]),
        files={"file": ("../../etc/shot.png", data, "image/png")},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == "image/png"
    assert (body["width"], body["height"]) == (8, 4)
    assert body["filename"] == "shot.png"  # no path components survive
    runtime = upload_client.app.state.runtime  # type: ignore[attr-defined]
    record, stored = await read_upload(runtime, Principal("u1", "t1"), body["upload_id"])
    # Stored re-encoded (metadata stripped): the same pixels; the id of the file sent is its sha256.
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    assert body["size"] == len(stored) and record.sha256 == body["sha256"] == hashlib.sha256(data).hexdigest()


async def test_json_base64_upload_and_type_from_bytes(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    data = png_bytes()
    payload = {
        "filename": "x.jpg",
        "content_type": "image/jpeg",
        "data": "data:image/png;base64," + base64.b64encode(data).decode(),
    }
    r = await upload_client.post("/v1/upload", headers=auth(roles=["analyst"]), json=payload)
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"  # what the bytes are, not what was claimed


async def test_no_one_else_can_see_an_upload(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    r = await upload_client.post(
        "/v1/upload", headers=auth("u1", "t1", roles=["analyst"]), files={"file": ("a.png", png_bytes(), "image/png")}
    )
    upload_id = r.json()["upload_id"]
    own = await upload_client.get(f"/v1/upload/{upload_id}", headers=auth("u1", "t1"))
    colleague = await upload_client.get(f"/v1/upload/{upload_id}", headers=auth("u2", "t1"))
    assert own.status_code == 200
    assert colleague.status_code == 404  # an upload is its user's: a colleague's chat cannot use it
    other = await upload_client.get(f"/v1/upload/{upload_id}", headers=auth("u9", "t2"))
    missing = await upload_client.get("/v1/upload/up_doesnotexistdoesnotexist", headers=auth("u9", "t2"))
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["message"] == missing.json()["error"]["message"]
    runtime = upload_client.app.state.runtime  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="not found"):
        await read_upload(runtime, Principal("u9", "t2"), upload_id)


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"files": {"file": ("a.png", b"", "image/png")}}, 400, "bad_request"),
        ({"files": {"file": ("a.txt", b"hello world", "text/plain")}}, 415, "unsupported_media_type"),
        ({"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/png")}}, 400, "bad_request"),
        ({"files": {"other": ("a.png", b"x", "image/png")}}, 422, "invalid_input"),
        ({"json": {"data": "***not base64***"}}, 422, "invalid_input"),
        ({"json": {"filename": 3}}, 422, "invalid_input"),
        (
            {"content": b"raw", "headers": {"content-type": "application/octet-stream"}},
            415,
            "unsupported_media_type",
        ),
        (
            {"files": {"file": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000, "image/png")}},
            413,
            "payload_too_large",
        ),
    ],
    ids=[
        "empty",
        "text",
        "corrupt-png",
        "wrong-field",
        "bad-base64",
        "json-no-data",
        "octet-stream",
        "too-large",
    ],
)
async def test_bad_uploads_are_refused_clearly(
    upload_client: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    kwargs: dict[str, object],
    status: int,
    code: str,
) -> None:
    headers = {**auth(roles=["analyst"]), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    r = await upload_client.post("/v1/upload", headers=headers, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    runtime = upload_client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.pool.connection() as conn:
        count = await (await conn.execute("SELECT count(*) AS n FROM uploads")).fetchone()
    assert count["n"] == 0  # nothing half-stored


async def test_legacy_infrazen_upload_contract(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    r = await upload_client.post(
        "/v1/chat/upload", headers=auth(roles=["analyst"]), files={"file": ("p.png", png_bytes(), "image/png")}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"image_id", "filename", "size", "expires_in"}
    assert body["image_id"].startswith("up_") and 0 < body["expires_in"] <= 86400


async def test_upload_requires_a_token(upload_client: httpx.AsyncClient) -> None:
    r = await upload_client.post("/v1/upload", files={"file": ("p.png", png_bytes(), "image/png")})
    assert r.status_code == 401


async def test_s3_object_lands_under_tenant_prefix(
    make_settings: Callable[..., Settings], s3_endpoint: str, auth: Callable[..., dict[str, str]]
) -> None:
    settings = make_settings(
        s3_endpoint_url=s3_endpoint,
        s3_bucket="prefix-check",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    app = create_app(["upload"], settings)
    await app.state.runtime.ensure_started()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        r = await c.post(
            "/v1/upload",
            headers=auth("u1", "tenant-x", roles=["analyst"]),
            files={"file": ("p.png", png_bytes(), "image/png")},
        )
    await app.state.runtime.stop()
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="prefix-check")["Contents"]]
    assert keys == [f"uploads/tenant-x/{r.json()['sha256']}.png"]  # one object per tenant and image


async def test_chunked_oversized_body_is_refused_without_buffering_it(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        nonlocal sent
        yield b'{"data": "'
        for _ in range(400):
            sent += 64 * 1024
            yield b"A" * (64 * 1024)
        yield b'"}'

    r = await upload_client.post(
        "/v1/upload", headers={**auth(roles=["analyst"]), "content-type": "application/json"}, content=body()
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("payload", "status"),
    [(b'{"data": "data:image/png;base64"}', 400), (b"[" * 100_000, 422), (b'{"data": 5}', 422)],
    ids=["data-url-without-comma", "deep-nesting", "data-not-string"],
)
async def test_malformed_json_bodies_are_clear_errors(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], payload: bytes, status: int
) -> None:
    r = await upload_client.post(
        "/v1/upload", headers={**auth(roles=["analyst"]), "content-type": "application/json"}, content=payload
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] in ("bad_request", "invalid_input")


async def test_viewers_and_the_demo_user_cannot_upload(
    upload_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    files = {"file": ("p.png", png_bytes(), "image/png")}
    for headers in (auth("u1", "t1"), auth("u1", "t1", roles=["admin"], demo=True)):
        for path in ("/v1/upload", "/v1/chat/upload"):
            r = await upload_client.post(path, headers=headers, files=files)
            assert r.status_code == 403, (path, r.text)
    runtime = upload_client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.pool.connection() as conn:
        count = await (await conn.execute("SELECT count(*) AS n FROM uploads")).fetchone()
    assert count["n"] == 0
