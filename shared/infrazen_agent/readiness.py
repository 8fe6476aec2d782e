"""Readiness: Postgres, Redis and object storage, each probed with its own short timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .metrics import READY_CHECK
from .runtime import Runtime


def llm_mode(runtime: Runtime) -> str:
    gateway = runtime.services.get("llm")
    mode = getattr(gateway, "mode", None)
    if isinstance(mode, str):
        return mode
    return "online" if runtime.settings.llm_configured else "offline"


async def _timed(check: Callable[[], Awaitable[Any]], limit_s: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(check(), limit_s)
        result: dict[str, Any] = {"status": "up"}
    except TimeoutError:
        result = {"status": "down", "error": f"no answer within {limit_s:g}s"}
    except Exception as exc:  # noqa: BLE001 - any failure means down; the reason is reported
        result = {"status": "down", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    result["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return result


def screenshot_readers(runtime: Runtime) -> dict[str, Any]:
    """Who can read a pasted screenshot here: Tesseract (offline) and/or the vision model. Not a
    readiness condition: without either, chats still work and say that images cannot be read."""
    from .screenshots.reader import ocr_status

    ocr = ocr_status(runtime)
    vision = runtime.settings.screenshot_reader != "ocr" and llm_mode(runtime) == "online"
    out: dict[str, Any] = {"ocr": ocr, "vision_model": vision, "can_read": bool(ocr["available"]) or vision}
    if not out["can_read"]:
        out["message"] = f"screenshots cannot be read: {ocr['reason']}, and no vision model is configured"
    return out


def report_formats() -> dict[str, Any]:
    """Which report files can be made here: HTML always; PDF when WeasyPrint and Pango load."""
    from .reports.pdf import pdf_status

    pdf = pdf_status()
    return {"html": True, "pdf": bool(pdf["available"]), **({"message": pdf["reason"]} if not pdf["available"] else {})}


async def knowledge_retrieval(runtime: Runtime, limit_s: float, *, postgres_up: bool = True) -> dict[str, Any]:
    """How retrieval ranks here (hybrid: full-text + embeddings, or full-text only), with which
    embedding model, and how many chunks are indexed (not asked while Postgres is down: its own
    check says so). Not a readiness condition either."""
    from .knowledge.embedding import choose
    from .knowledge.index import status

    try:
        if postgres_up:
            return await asyncio.wait_for(status(runtime), limit_s)
        error = "Postgres is down"
    except Exception as exc:  # noqa: BLE001 - a failure here is reported, never raised
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
    choice = choose(runtime)
    mode = "hybrid" if choice.kind != "none" else "full_text"
    return {"mode": mode, "embeddings": choice.kind, "embedding_model": choice.model or None, "error": error}


def public_view(ok: bool, body: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see when diagnostics are for admins: the status, nothing about the inside."""
    return {"status": body.get("status", "ready" if ok else "not_ready")}


async def dependency_checks(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """Postgres, Redis and storage of a started runtime, each up or down (also set on the
    `agent_dependency_up` gauge: readiness probes and every /metrics scrape refresh it)."""
    timeout = runtime.settings.ready_check_timeout_s

    async def postgres() -> None:
        async with runtime.pool.connection(timeout=timeout) as conn:
            await conn.execute("SELECT 1")

    async def redis() -> None:
        await runtime.redis.ping()

    names = ("postgres", "redis", "storage")
    results = await asyncio.gather(
        _timed(postgres, timeout), _timed(redis, timeout), _timed(runtime.store.check, timeout)
    )
    checks = dict(zip(names, results, strict=True))
    for name, res in checks.items():
        READY_CHECK.labels(name).set(1 if res["status"] == "up" else 0)
    checks["storage"]["kind"] = runtime.store.kind
    return checks


async def check_readiness(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    try:
        await runtime.ensure_started()
    except Exception as exc:  # noqa: BLE001
        return False, {
            "status": "not_ready",
            "checks": {},
            "error": f"start-up failed: {type(exc).__name__}: {str(exc)[:300]}",
        }
    timeout = runtime.settings.ready_check_timeout_s
    checks = await dependency_checks(runtime)
    down = [name for name, res in checks.items() if res["status"] != "up"]
    body: dict[str, Any] = {
        "status": "ready" if not down else "not_ready",
        "checks": checks,
        "llm": {"mode": llm_mode(runtime)},
        "screenshots": screenshot_readers(runtime),
        "reports": report_formats(),
        "knowledge": await knowledge_retrieval(runtime, timeout, postgres_up=checks["postgres"]["status"] == "up"),
        "embedded": runtime.embedded,
    }
    if down:
        body["down"] = down
    return not down, body
