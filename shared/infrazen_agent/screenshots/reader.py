"""One entry point for reading a screenshot: the vision model when one is configured and answers,
else Tesseract; the result cached per tenant and image (sha256) for the upload's lifetime."""

from __future__ import annotations

import asyncio
import io
import logging
import time

from PIL import Image

from ..auth import Principal
from ..errors import RateLimited, Unavailable
from ..llm import CallMeta, get_gateway
from ..metrics import CACHE_LOOKUPS
from ..runtime import Runtime
from ..uploads import UploadRecord, get_upload
from . import ocr
from .labels import provider_in
from .layout import read_layout
from .model import Extraction

log = logging.getLogger("infrazen_agent.screenshots")
CACHE_VERSION = 2  # bump when the layout rules change what a reading holds


def ocr_status(runtime: Runtime) -> dict[str, object]:
    s = runtime.settings
    return ocr.status(s.ocr_languages, s.ocr_tessdata)


def announce(runtime: Runtime) -> None:
    """Start-up says once whether screenshots can be read here, and by what."""
    if runtime.services.get("screenshot_readers_announced"):
        return
    runtime.services["screenshot_readers_announced"] = True
    from ..readiness import screenshot_readers

    readers = screenshot_readers(runtime)
    if readers["can_read"]:
        log.info(
            "screenshots can be read", extra={"ocr": readers["ocr"].get("engine"), "vision": readers["vision_model"]}
        )
    else:
        log.warning(str(readers["message"]))


def _vision_wanted(runtime: Runtime) -> bool:
    choice = runtime.settings.screenshot_reader
    if choice == "ocr":
        return False
    gateway = get_gateway(runtime)
    return gateway.is_online() and bool(gateway.vision_chain)


async def read_ocr(runtime: Runtime, data: bytes) -> Extraction:
    s = runtime.settings
    state = ocr.status(s.ocr_languages, s.ocr_tessdata)
    if not state["available"]:
        raise Unavailable(f"screenshots cannot be read here: {state['reason']}")
    t0 = time.perf_counter()
    image = await asyncio.to_thread(lambda: Image.open(io.BytesIO(data)).copy())
    words, _ = await ocr.read_words(image, s.ocr_languages, s.ocr_tessdata)
    content = read_layout(words)
    key, _ = provider_in(content.provider or "")
    return Extraction(
        **content.model_dump(),
        reader="ocr",
        model=f"{state['engine']} ({s.ocr_languages})",
        provider_key=key,
        seconds=round(time.perf_counter() - t0, 3),
    )


async def read_screenshot(
    runtime: Runtime, principal: Principal, upload_id: str, *, meta: CallMeta | None = None
) -> tuple[UploadRecord, Extraction]:
    """The caller's own upload, read. Another tenant's or an expired one is NotFound."""
    record = await get_upload(runtime, principal, upload_id)  # the row only: a cached reading needs no bytes
    vision = _vision_wanted(runtime)
    key = f"shot:v{CACHE_VERSION}:{principal.tenant_id}:{record.sha256}:"
    cached = await runtime.redis.get(key + ("vision" if vision else "ocr"))
    CACHE_LOOKUPS.labels("screenshot_reading", "hit" if cached else "miss").inc()
    if cached:
        return record, Extraction.model_validate_json(cached)
    data = await runtime.store.get(record.object_key)  # read once, for whichever reader
    extraction: Extraction | None = None
    warnings: list[str] = []
    if vision:
        from ..llm.vision import image_part_of
        from .vision import read_with_model

        meta = meta or CallMeta(tenant_id=principal.tenant_id, user_id=principal.user_id, scenario="screenshot")
        try:
            extraction = await read_with_model(runtime, meta, image_part_of(record.content_type, data))
        except (Unavailable, RateLimited, ValueError) as exc:  # budget, outage, bad JSON
            log.warning("the vision model did not read the screenshot; OCR reads it", extra={"upload_id": upload_id})
            warnings.append(f"the vision model could not read it ({exc}); read by OCR instead")
    if extraction is None:
        extraction = await read_ocr(runtime, data)
        extraction.warnings.extend(warnings)
    await runtime.redis.set(key + extraction.reader, extraction.model_dump_json(), ex=runtime.settings.upload_ttl_s)
    return record, extraction
