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
from typing import Any

from PIL import Image, ImageOps

from .auth import Principal
from .errors import BadRequest, NotFound, PayloadTooLarge, QuotaExceeded, RateLimited, UnsupportedMediaType
from .runtime import Runtime

ALLOWED_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
_ID = re.compile(r"^up_[A-Za-z0-9_-]{16,64}$")
_FILENAME_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)
Image.MAX_IMAGE_PIXELS = None  # the exact limit is ours (validate_image), checked before any decoding
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
    """Returns (content type, width, height) or raises the matching error. Only the header is
    read: the pixel limit is exact and holds before anything is decoded."""
    if not data:
        raise BadRequest("the file is empty")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is {len(data)} bytes; the limit is {max_bytes} bytes")
    content_type = sniff_image_type(data)
    if content_type is None:
        raise UnsupportedMediaType("only PNG, JPEG, WebP and GIF images are accepted")
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files
        raise BadRequest("the image could not be decoded (truncated or corrupt file)") from None
    if width * height > max_pixels:
        raise PayloadTooLarge(f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels")
    return content_type, width, height


def sanitize_image(data: bytes, content_type: str) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone: EXIF (GPS, camera, author), XMP, ICC, PNG text
    chunks and comments are gone; an EXIF rotation is applied first; an animation keeps its first
    frame. JPEG stays JPEG, WebP stays WebP, the rest becomes PNG. Runs before storage, so
    neither the object store nor a model ever sees the metadata."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.seek(0)
            frame = ImageOps.exif_transpose(img)
            frame.load()
    except Exception:  # noqa: BLE001 - truncated data decodes only as far as the header
        raise BadRequest("the image could not be decoded (truncated or corrupt file)") from None
    out = io.BytesIO()
    if content_type == "image/jpeg":
        frame = frame if frame.mode in ("RGB", "L") else frame.convert("RGB")
        frame.save(out, "JPEG", quality=92)
    elif content_type == "image/webp":
        frame.save(out, "WEBP", quality=90)
    else:
        if frame.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            frame = frame.convert("RGBA")
        frame.save(out, "PNG", compress_level=3)
        content_type = "image/png"
    return out.getvalue(), content_type


def _lock_id(key: str) -> int:
    """A Postgres advisory lock per object key: a sweep never deletes an object an upload of
    the same image is about to point a new row at."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


async def store_upload(
    runtime: Runtime, principal: Principal | None, filename: str | None, data: bytes
) -> UploadRecord:
    """The caller's upload; with no principal, a quarantined one (see the module's docstring).
    A tenant's same image is stored once: the same user gets their upload back (expiry renewed),
    another user a row of their own over the same object."""
    settings = runtime.settings
    content_type, width, height = validate_image(data, settings.upload_max_bytes, settings.upload_max_pixels)
    digest = hashlib.sha256(data).hexdigest()
    ttl = settings.upload_ttl_s if principal else settings.upload_quarantine_ttl_s
    expires = datetime.now(UTC) + timedelta(seconds=ttl)
    if principal is not None:
        async with runtime.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE uploads SET expires_at = %s WHERE id = (SELECT id FROM uploads WHERE tenant_id = %s"
                " AND user_id = %s AND sha256 = %s AND NOT quarantined AND expires_at > now() LIMIT 1) RETURNING *",
                (expires, principal.tenant_id, principal.user_id, digest),
            )
            row = await cur.fetchone()
        if row is not None:
            return _record(row)
    clean, stored_type = await asyncio.to_thread(sanitize_image, data, content_type)
    upload_id = "up_" + secrets.token_urlsafe(18)  # 144 random bits
    ext = ALLOWED_TYPES[stored_type]
    key = f"uploads/{principal.tenant_id}/{digest}.{ext}" if principal else f"uploads/{_QUARANTINE}/{upload_id}.{ext}"
    record = UploadRecord(
        upload_id=upload_id,
        tenant_id=principal.tenant_id if principal else "",
        user_id=principal.user_id if principal else "",
        object_key=key,
        filename=clean_filename(filename, stored_type),
        content_type=stored_type,
        size=len(clean),
        sha256=digest,
        width=width,
        height=height,
        expires_at=expires,
    )
    async with runtime.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_id(key),))
        if principal is not None:
            await _check_quota(conn, settings.upload_tenant_quota_bytes, principal.tenant_id, key, len(clean))
        # Object first, row second (under the lock): a row never points at a missing object.
        await runtime.store.put(key, clean, stored_type)
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
    return record


async def _check_quota(conn: Any, quota: int, tenant_id: str, key: str, size: int) -> None:
    """Live uploads of the tenant, each object counted once, plus this one, within the quota."""
    cur = await conn.execute(
        "SELECT coalesce(sum(size_bytes), 0) AS used, bool_or(object_key = %s) AS has FROM"
        " (SELECT DISTINCT ON (object_key) object_key, size_bytes FROM uploads"
        "  WHERE tenant_id = %s AND NOT quarantined AND expires_at > now()) live",
        (key, tenant_id),
    )
    row = await cur.fetchone()
    used = int(row["used"]) if row else 0
    if row and row["has"]:
        return  # the same image: no new bytes
    if used + size > quota:
        raise QuotaExceeded(
            f"the account's uploads take {used} of {quota} bytes; this one ({size} bytes) does not fit. "
            "Uploads expire after a day, or delete some (DELETE /v1/upload/{upload_id})"
        )


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
    key = f"uploads/{record.tenant_id}/{record.sha256}.{ALLOWED_TYPES[record.content_type]}"
    try:
        data = await runtime.store.get(record.object_key)
        async with runtime.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_id(key),))
            await runtime.store.put(key, data, record.content_type)
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
    """Delete expired uploads: the rows, then each object no other row still points at (under
    the object's lock, so an upload of the same image in between keeps it). Returns the rows."""
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "DELETE FROM uploads WHERE id IN (SELECT id FROM uploads WHERE expires_at < now()"
            " ORDER BY expires_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING object_key",
            (batch,),
        )
        rows = await cur.fetchall()
    for key in sorted({row["object_key"] for row in rows}):
        await _drop_object(runtime, key)
    return len(rows)


async def _drop_object(runtime: Runtime, key: str) -> bool:
    """Delete an object nobody's row points at; False when one does (or the store failed)."""
    async with runtime.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_id(key),))
        cur = await conn.execute("SELECT 1 FROM uploads WHERE object_key = %s LIMIT 1", (key,))
        if await cur.fetchone() is not None:
            return False
        try:
            await runtime.store.delete(key)
        except Exception:  # noqa: BLE001 - gc finds it again as an orphan
            log.warning("expired upload's object not deleted", extra={"object_key": key})
            return False
    return True


async def collect_garbage(runtime: Runtime, orphan_age_s: float = 3600.0) -> dict[str, int]:
    """`infrazen-agent gc`: expired uploads (rows and objects), then objects that no row points at
    (left by a crash between the two) once they are `orphan_age_s` old."""
    rows = 0
    while (n := await sweep_expired_uploads(runtime)) > 0:
        rows += n
    orphans = 0
    for key in await runtime.store.keys("uploads/", orphan_age_s):
        if await _drop_object(runtime, key):
            orphans += 1
    return {"expired_uploads": rows, "orphan_objects": orphans}


async def delete_upload(runtime: Runtime, principal: Principal, upload_id: str) -> None:
    """The caller deletes their own upload now (its object too, unless another row shares it)."""
    record = await get_upload(runtime, principal, upload_id)
    async with runtime.pool.connection() as conn:
        await conn.execute(
            "DELETE FROM uploads WHERE id = %s AND tenant_id = %s AND user_id = %s",
            (record.upload_id, principal.tenant_id, principal.user_id),
        )
    await _drop_object(runtime, record.object_key)


async def admit_upload(runtime: Runtime, principal: Principal) -> None:
    """Per-user and per-tenant uploads a minute (sliding window, shared by every replica),
    checked before the body is read."""
    from .guard.rate import take

    s = runtime.settings
    # The user's limit first: an upload it refuses does not use up the tenant's.
    counters = (
        (f"upload:user:{principal.tenant_id}:{principal.user_id}", s.upload_user_per_minute, "you"),
        (f"upload:tenant:{principal.tenant_id}", s.upload_tenant_per_minute, "your account"),
    )
    for name, limit, who in counters:
        (decision,) = await take(runtime.redis, [(name, limit)], 60)
        if not decision.admitted:
            retry = str(decision.retry_after_s)
            raise RateLimited(
                f"more than {limit} uploads a minute from {who}; retry in {retry} s", headers={"Retry-After": retry}
            )


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
