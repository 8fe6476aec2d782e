"""The report's HTML printed to PDF by WeasyPrint (server-side, no browser): the same markup, its
@page rules (A4, page numbers) and inline SVG charts. WeasyPrint needs Pango (Debian:
libpango-1.0-0, libpangoft2-1.0-0) and a font with Cyrillic (fonts-dejavu-core)."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from ..errors import InvalidInput, Unavailable

log = logging.getLogger("infrazen_agent.reports")


@lru_cache(maxsize=1)
def pdf_status() -> dict[str, object]:
    """Whether PDFs can be made here (for /v1/ready): WeasyPrint installed and Pango found, checked
    without importing WeasyPrint (~1 s, tens of MB) into a process that may never print."""
    from ctypes.util import find_library
    from importlib.util import find_spec

    if find_spec("weasyprint") is None:
        return {"available": False, "reason": "WeasyPrint is not installed"}
    if find_library("pangoft2-1.0") is None:
        return {"available": False, "reason": "Pango is missing (Debian: libpango-1.0-0 libpangoft2-1.0-0)"}
    return {"available": True, "engine": "WeasyPrint"}


def _render(html: str, max_pages: int) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: a system library failed to load
        raise Unavailable(f"PDF rendering is not available: {str(exc)[:160]}") from None

    document = HTML(string=html).render()
    if len(document.pages) > max_pages:
        raise InvalidInput(f"the report has {len(document.pages)} pages, more than REPORT_PDF_MAX_PAGES={max_pages}")
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return data


async def render_pdf(html: str, *, max_pages: int) -> bytes:
    status = pdf_status()
    if not status["available"]:
        raise Unavailable(f"PDF rendering is not available: {status['reason']}")
    # CPU-bound (layout, fonts): off the event loop, so chats on this process keep streaming.
    return await asyncio.to_thread(_render, html, max_pages)
