"""Images as chat content parts for the vision model (read from the object store, tenant-checked)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from ..auth import Principal
from ..runtime import Runtime
from ..uploads import read_upload


async def image_part(runtime: Runtime, principal: Principal, upload_id: str) -> dict[str, Any]:
    """`{"type":"image_url","image_url":{"url":"data:<type>;base64,…"}}` for the principal's own
    upload; another tenant's or an expired upload is NotFound (from `read_upload`)."""
    record, data = await read_upload(runtime, principal, upload_id)
    return image_part_of(record.content_type, data)


def image_part_of(content_type: str, data: bytes) -> dict[str, Any]:
    """The content part of image bytes already read."""
    url = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
    return {"type": "image_url", "image_url": {"url": url}}


def user_message(text: str, images: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """A user message: plain text, or text plus image parts."""
    parts = list(images)
    if not parts:
        return {"role": "user", "content": text}
    return {"role": "user", "content": [{"type": "text", "text": text}, *parts]}


def has_images(messages: Iterable[dict[str, Any]]) -> bool:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(
            isinstance(part, dict) and part.get("type") == "image_url" for part in content
        ):
            return True
    return False
