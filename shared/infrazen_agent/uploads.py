"""Uploaded images: validated by their bytes (not their name or declared type), stored under the
owner's tenant prefix, and readable back only by the same user of the same tenant.

Quarantine (docs/infrazen-dropin.md, "Uploads without a token"): the InfraZen browser client uploads
with no Authorization header. Such an upload gets a 144-bit random id, the strict limits, a short
expiry and no tenant; nobody can read it. The first authenticated chat turn that references it
claims it (one UPDATE: the first claimer wins), binding it to that tenant and user for good; to
everyone else it stays "not found".
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from PIL import Image

from .auth import Principal
from .errors import BadRequest, NotFound, PayloadTooLarge, RateLimited, UnsupportedMediaType
from .runtime import Runtime

ALLOWED_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
_ID = re.compile(r"^up_[A-Za-z0-9_-]{16,64}$")
_FILENAME_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)
Image.MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs early (the limit below is stricter)
_QUARANTINE = "_quarantine"  # object-key prefix of uploads that no tenant has claimed
log = logging.getLogger("infrazen_agent.uploads")


@dataclass(frozen=True)
class UploadRecord:
    upload_id: str
    tenant_id: str
    user_id: str
    object_key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    expires_at: datetime

    def public(self) -> dict[str, object]:
        return {
            "upload_id": self.upload_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "expires_at": self.expires_at.isoformat(),
        }


def sniff_image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _FILENAME_UNSAFE.sub("_", base).strip(" .")[:120]
    return base or f"image.{ALLOWED_TYPES[content_type]}"


def validate_image(data: bytes, max_bytes: int, max_pixels: int) -> tuple[str, int | None, int | None]:
    """Returns (content type, width, height) or raises the matching error."""
    if not data:
        raise BadRequest("the file is empty")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is {len(data)} bytes; the limit is {max_bytes} bytes")
    content_type = sniff_image_type(data)
    if content_type is None:
        raise UnsupportedMediaType("only PNG, JPEG, WebP and GIF images are accepted")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            width, height = img.size
    except Image.DecompressionBombError:
        raise PayloadTooLarge("the image has too many pixels") from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files
        raise BadRequest("the image could not be decoded (truncated or corrupt file)") from None
    if width * height > max_pixels:
        raise PayloadTooLarge(f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels")
    return content_type, width, height


async def store_upload(
    runtime: Runtime, principal: Principal | None, filename: str | None, data: bytes
) -> UploadRecord:
    """The caller's upload; with no principal, a quarantined one (see the module's docstring)."""
    settings = runtime.settings
    content_type, width, height = validate_image(data, settings.upload_max_bytes, settings.upload_max_pixels)
    upload_id = "up_" + secrets.token_urlsafe(18)  # 144 random bits
    owner = principal.tenant_id if principal else _QUARANTINE
    key = f"uploads/{owner}/{upload_id}.{ALLOWED_TYPES[content_type]}"
    ttl = settings.upload_ttl_s if principal else settings.upload_quarantine_ttl_s
    record = UploadRecord(
        upload_id=upload_id,
        tenant_id=principal.tenant_id if principal else "",
        user_id=principal.user_id if principal else "",
        object_key=key,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
    )
    # Object first, row second: a row never points at a missing object.
    await runtime.store.put(key, data, content_type)
    try:
        async with runtime.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO uploads (id, tenant_id, user_id, object_key, filename, content_type,"
                " size_bytes, sha256, width, height, expires_at, quarantined)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    record.upload_id,
                    record.tenant_id,
                    record.user_id,
                    record.object_key,
                    record.filename,
                    record.content_type,
                    record.size,
                    record.sha256,
                    record.width,
                    record.height,
                    record.expires_at,
                    principal is None,
                ),
            )
    except Exception:
        await runtime.store.delete(key)
        raise
    return record


async def get_upload(runtime: Runtime, principal: Principal, upload_id: str) -> UploadRecord:
    """The caller's own (tenant and user), unexpired upload; anything else is the same 404."""
    if not _ID.match(upload_id):
        raise NotFound("upload not found")
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM uploads WHERE id = %s AND tenant_id = %s AND user_id = %s AND NOT quarantined"
            " AND expires_at > now()",
            (upload_id, principal.tenant_id, principal.user_id),
        )
        row = await cur.fetchone()
    if row is None:
        raise NotFound("upload not found")
    return _record(row)


async def claim_upload(runtime: Runtime, principal: Principal, upload_id: str) -> UploadRecord:
    """The principal's own upload, or a quarantined one no one has claimed: it becomes theirs
    (tenant, user, the normal expiry) for good. Anything else is the same 404."""
    try:
        return await get_upload(runtime, principal, upload_id)
    except NotFound:
        if not principal.may("upload"):
            raise  # a demo user or a viewer claims nothing: the same "not found"
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "UPDATE uploads SET tenant_id = %s, user_id = %s, quarantined = false, claimed_at = now(),"
            " expires_at = now() + make_interval(secs => %s)"
            " WHERE id = %s AND quarantined AND expires_at > now() RETURNING *",
            (principal.tenant_id, principal.user_id, runtime.settings.upload_ttl_s, upload_id),
        )
        row = await cur.fetchone()
    if row is None:
        raise NotFound("upload not found")
    record = _record(row)
    return await _move_to_tenant(runtime, record)


async def _move_to_tenant(runtime: Runtime, record: UploadRecord) -> UploadRecord:
    """A claimed upload's object moves under its tenant's prefix (tenant deletes and lifecycle
    rules work by prefix). Until the move is done the row keeps the old key: always readable."""
    key = f"uploads/{record.tenant_id}/{record.object_key.rsplit('/', 1)[-1]}"
    try:
        await runtime.store.put(key, await runtime.store.get(record.object_key), record.content_type)
        async with runtime.pool.connection() as conn:
            await conn.execute("UPDATE uploads SET object_key = %s WHERE id = %s", (key, record.upload_id))
        await runtime.store.delete(record.object_key)
    except Exception:  # noqa: BLE001 - still claimed and readable; the object stays where it was
        log.warning("claimed upload not moved", extra={"upload_id": record.upload_id})
        return record
    return replace(record, object_key=key)


async def admit_anonymous_upload(runtime: Runtime, client_ip: str) -> None:
    """Limits on uploads without a token, checked before the body is read: per client address a
    minute, and a cap on unclaimed uploads alive at once. The address can be forged where proxy
    headers are trusted blindly; the cap bounds what a forger can store whatever it sends."""
    settings = runtime.settings
    per_ip = settings.upload_anonymous_per_minute
    now = datetime.now(UTC).timestamp()
    key = f"rl:upload:ip:{client_ip}:{int(now // 60)}"
    pipe = runtime.redis.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, 61)
    count, _ = await pipe.execute()
    retry = str(max(1, 60 - int(now) % 60))
    if int(count) > per_ip:
        raise RateLimited(
            f"more than {per_ip} uploads a minute without a token; retry in {retry} s", headers={"Retry-After": retry}
        )
    async with runtime.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM uploads WHERE quarantined AND expires_at > now()")
        row = await cur.fetchone()
    if row is not None and int(row["n"]) >= settings.upload_quarantine_max:
        raise RateLimited("too many unclaimed uploads right now; retry in a minute", headers={"Retry-After": "60"})


async def sweep_expired_uploads(runtime: Runtime, batch: int = 500) -> int:
    """Delete expired uploads, objects first then rows (a row never points at a missing object
    for long; an object without a row is what a crash between the two leaves, and is retried)."""
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, object_key FROM uploads WHERE expires_at < now() ORDER BY expires_at LIMIT %s", (batch,)
        )
        rows = await cur.fetchall()
    done: list[str] = []
    for row in rows:
        try:
            await runtime.store.delete(row["object_key"])
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.warning("expired upload not deleted", extra={"upload_id": row["id"]})
            continue
        done.append(row["id"])
    if done:
        async with runtime.pool.connection() as conn:
            await conn.execute("DELETE FROM uploads WHERE id = ANY(%s)", (done,))
    return len(done)


class UploadSweeper:
    """Runs `sweep_expired_uploads` every `interval_s` in the upload component's process."""

    def __init__(self, runtime: Runtime, interval_s: float = 60.0):
        self.runtime = runtime
        self.interval_s = interval_s
        self.task = asyncio.create_task(self._loop(), name="upload-sweeper")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await sweep_expired_uploads(self.runtime)
            except Exception:  # noqa: BLE001 - a dependency hiccup: next round
                log.warning("upload sweep failed")

    async def aclose(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def _record(row: dict[str, object]) -> UploadRecord:
    return UploadRecord(
        upload_id=str(row["id"]),
        tenant_id=str(row["tenant_id"]),
        user_id=str(row["user_id"]),
        object_key=str(row["object_key"]),
        filename=str(row["filename"]),
        content_type=str(row["content_type"]),
        size=int(row["size_bytes"]),  # type: ignore[call-overload]
        sha256=str(row["sha256"]),
        width=row["width"],  # type: ignore[arg-type]
        height=row["height"],  # type: ignore[arg-type]
        expires_at=row["expires_at"],  # type: ignore[arg-type]
    )


async def read_upload(runtime: Runtime, principal: Principal, upload_id: str) -> tuple[UploadRecord, bytes]:
    record = await get_upload(runtime, principal, upload_id)
    return record, await runtime.store.get(record.object_key)
