"""The upload function: `POST /v1/upload` (multipart or base64 JSON) and the existing InfraZen
client's `POST /v1/chat/upload`."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from ..auth import Principal, bearer_token, verify_token
from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, Forbidden, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from ..origins import origin_allowed
from ..runtime import Runtime
from ..uploads import (
    UploadRecord,
    UploadSweeper,
    admit_anonymous_upload,
    admit_upload,
    delete_upload,
    get_upload,
    store_upload,
)
from . import imports

router = APIRouter(tags=["upload"], responses=AUTH_RESPONSES)
router.include_router(imports.router)  # billing exports (FOCUS): uploads too, of another kind

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text}
    for code, text in {
        400: "Empty or corrupt file",
        401: "Missing or invalid token",
        403: "A viewer or the demo user (uploads need the analyst role)",
        413: "Larger than the limit (5 MB, 50 Mpx by default), or the account's upload quota is used up",
        415: "Not a PNG, JPEG, WebP or GIF image",
        422: "Malformed body",
        429: "More uploads a minute than the user's or the account's limit",
    }.items()
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            # (JSON: a screenshot as base64, e.g. from a clipboard)
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "filename": {"type": "string"},
                        "content_type": {"type": "string"},
                        "data": {"type": "string", "description": "base64 (a data: URL prefix is allowed)"},
                    },
                },
                "example": {
                    "filename": "bill.png",
                    "data": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4"
                    "nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
                },
            },
        },
    }
}


class UploadJson(BaseModel):
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = None
    data: str


class UploadOut(BaseModel):
    upload_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    expires_at: datetime


async def _limited_body(request: Request, max_bytes: int) -> None:
    """Read the body with a byte counter (a chunked body has no Content-Length to refuse up
    front); Starlette then parses the cached bytes instead of the stream."""
    limit = max_bytes * 4 // 3 + 64 * 1024  # base64 is 4/3 larger; multipart adds headers
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request is {declared} bytes; the file limit is {max_bytes} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request is over {limit} bytes; the file limit is {max_bytes} bytes")
        chunks.append(chunk)
    request._body = b"".join(chunks)


async def _read_body(request: Request, max_bytes: int) -> tuple[str | None, bytes]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("multipart/form-data", "application/json"):
        raise UnsupportedMediaType("send multipart/form-data (field 'file') or application/json (base64)")
    await _limited_body(request, max_bytes)
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        item = form.get("file")
        if not isinstance(item, UploadFile):
            raise InvalidInput("multipart field 'file' is required")
        data = await item.read(max_bytes + 1)
        await form.close()
        return item.filename, data
    try:
        payload = UploadJson.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError, RecursionError):
        raise InvalidInput('expected JSON {"filename", "content_type", "data": "<base64>"}') from None
    raw = payload.data.partition(",")[2] if payload.data.startswith("data:") else payload.data
    try:
        return payload.filename, base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("data is not valid base64") from None


@router.post(
    "/v1/upload",
    response_model=UploadOut,
    status_code=201,
    responses=_ERRORS,
    openapi_extra=_BODY_DOC,
    summary="Upload an image for a chat turn",
)
async def upload(request: Request, principal: CurrentPrincipal, runtime: RuntimeDep) -> UploadOut:
    principal.require("upload")  # before a byte of the body is read
    await admit_upload(runtime, principal)
    filename, data = await _read_body(request, runtime.settings.upload_max_bytes)
    record = await store_upload(runtime, principal, filename, data)
    return UploadOut.model_validate(record.public())


@router.get(
    "/v1/upload/{upload_id}",
    response_model=UploadOut,
    responses={404: {"description": "Unknown, expired or another tenant's"}},
    summary="Metadata of one of the caller's uploads",
)
async def upload_info(upload_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> UploadOut:
    record: UploadRecord = await get_upload(runtime, principal, upload_id)
    return UploadOut.model_validate(record.public())


@router.delete(
    "/v1/upload/{upload_id}",
    status_code=204,
    responses={404: {"description": "Unknown, expired or another tenant's"}},
    summary="Delete one of the caller's uploads now (before it expires)",
)
async def upload_delete(upload_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> None:
    await delete_upload(runtime, principal, upload_id)


_LEGACY_ERRORS = {
    **_ERRORS,
    403: {"description": "No token, and the Origin is not an allowed page"},
    429: {"description": "Too many uploads without a token from this address, or too many unclaimed ones"},
}


async def on_start(runtime: Runtime) -> None:
    """Expired uploads (their objects and rows) are deleted in the background."""
    if "upload_sweeper" not in runtime.services:
        runtime.services["upload_sweeper"] = UploadSweeper(runtime, runtime.settings.upload_sweep_interval_s)


def _optional_principal(request: Request, runtime: RuntimeDep) -> Principal | None:
    """The chat token as a Bearer header or `?token=` when the client has one; None without."""
    header = request.headers.get("authorization")
    token = bearer_token(header) if header else request.query_params.get("token")
    return verify_token(runtime.settings, token) if token else None


@router.post(
    "/v1/chat/upload",
    responses=_LEGACY_ERRORS,
    openapi_extra=_BODY_DOC,
    summary="The InfraZen client's image upload (answers image_id); without a token it is quarantined",
    description="With a token (Bearer or `?token=`) the upload is the caller's. Without one (the InfraZen "
    "browser client sends none) it is quarantined: readable by nobody until the first authenticated chat "
    "turn that references `[image:<image_id>]` claims it for its tenant and user; unclaimed, it expires "
    "after UPLOAD_QUARANTINE_TTL_S.",
)
async def legacy_upload(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    principal = _optional_principal(request, runtime)
    if principal is not None:
        principal.require("upload")
        await admit_upload(runtime, principal)
    else:
        # A browser page of another site cannot drop files here for a user to claim by mistake.
        if not request.headers.get("origin") or not origin_allowed(runtime.settings, request):
            raise Forbidden("an upload without a token must come from the InfraZen page (AGENT_CORS_ORIGINS)")
        await admit_anonymous_upload(runtime, request.client.host if request.client else "-")
    filename, data = await _read_body(request, runtime.settings.upload_max_bytes)
    record = await store_upload(runtime, principal, filename, data)
    expires_in = int((record.expires_at - datetime.now(UTC)).total_seconds())
    return {
        "image_id": record.upload_id,
        "filename": record.filename,
        "size": record.size,
        "expires_in": expires_in,
    }
