"""Report jobs: a request is stored (queued), run in the background of the process that took it
(collect → HTML → PDF → store), its stage and progress kept in the row; the files go to the object
store under the tenant. A job whose process died is failed when next read (after
REPORT_JOB_TIMEOUT_S), never left "running" for ever. Every read is the caller's tenant only."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from psycopg.types.json import Jsonb

from ..auth import Principal
from ..background import BackgroundJobs, fail_stale
from ..errors import AgentError, NotFound
from ..guard.rate import admit_request
from ..runtime import Runtime
from .document import Persona

log = logging.getLogger("infrazen_agent.reports")

Format = Literal["html", "pdf"]
CONTENT_TYPES: dict[str, str] = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
_ID = re.compile(r"^rep_[A-Za-z0-9_-]{8,40}$")


@dataclass(frozen=True)
class ReportSpec:
    persona: Persona
    language: Literal["ru", "en"]
    days: int
    formats: tuple[Format, ...]


def public_view(row: dict[str, Any], base: str = "") -> dict[str, Any]:
    files = row["files"] or {}
    return {
        "id": row["id"],
        "status": row["status"],
        "stage": row["stage"],
        "progress": round(float(row["progress"]), 2),
        "persona": row["persona"],
        "language": row["language"],
        "time_range": f"{row['days']}d",
        "formats": list(row["formats"]),
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "error": row["error"],
        "title": (row["summary"] or {}).get("title"),
        "data_date": (row["summary"] or {}).get("data_date"),
        "links": {fmt: f"{base}/v1/reports/{row['id']}/{fmt}" for fmt in files},
        "sizes": {fmt: f["bytes"] for fmt, f in files.items()},
    }


class ReportJobs(BackgroundJobs):
    """The jobs this process runs (a runtime service, so shutdown cancels them and says so). At
    most `concurrent` run at once: a flood of requests waits queued instead of starving the
    chats this process also serves (layout and PDF printing are CPU work)."""


def jobs_of(runtime: Runtime) -> ReportJobs:
    jobs = runtime.services.get("reports")
    if not isinstance(jobs, ReportJobs):
        jobs = runtime.services["reports"] = ReportJobs(runtime.settings.report_max_concurrent)
    return jobs


async def _update(runtime: Runtime, report_id: str, **fields: Any) -> bool:
    """Moves a job that is still in progress; a job already ended (failed as stale by a reader,
    say) stays as it is — False, and the caller stops."""
    cols = ", ".join(f"{k} = %s" for k in fields)
    values = [Jsonb(v) if k in ("error", "files", "summary") else v for k, v in fields.items()]
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            f"UPDATE reports SET {cols} WHERE id = %s AND status IN ('queued', 'running')", (*values, report_id)
        )
        return cur.rowcount == 1


async def start_report(
    runtime: Runtime,
    principal: Principal,
    spec: ReportSpec,
    *,
    session_id: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Stores the job and starts it; returns at once (status queued)."""
    principal.require("report")  # every way in (HTTP, the chat's confirmed action, the CLI) asks
    await runtime.ensure_started()
    await admit_request(runtime, principal, "report")
    report_id = f"rep_{secrets.token_urlsafe(12)}"
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO reports (id, tenant_id, user_id, persona, language, days, formats, status, session_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'queued', %s) RETURNING *",
            (
                report_id,
                principal.tenant_id,
                principal.user_id,
                spec.persona,
                spec.language,
                spec.days,
                list(spec.formats),
                session_id,
            ),
        )
        row = await cur.fetchone()
    assert row is not None
    view = public_view(row)
    jobs_of(runtime).spawn(_run(runtime, principal, report_id, spec, request_id, session_id))
    try:
        announce(runtime, session_id, view)
    except Exception:  # noqa: BLE001 - the job runs; the chat can poll its status
        log.warning("report start not announced", extra={"report_id": report_id})
    return view


def announce(runtime: Runtime, session_id: str | None, view: dict[str, Any]) -> None:
    """A `report` event to every connection of the chat the report was asked for in (fan-out
    reaches the other processes too). Only where the chat component runs in this process."""
    service = runtime.services.get("chat")
    if session_id is None or service is None:
        return
    from ..agent.events import Envelope, ReportEvent

    links = {"status": f"/v1/reports/{view['id']}", **view["links"]}
    event = ReportEvent(
        report_id=view["id"],
        status=view["status"],
        persona=view["persona"],
        time_range=view["time_range"],
        title=view["title"],
        links=links,
        error=view["error"],
    )
    service.hub.publish(session_id, Envelope.of(event))


async def _run(
    runtime: Runtime,
    principal: Principal,
    report_id: str,
    spec: ReportSpec,
    request_id: str | None,
    session_id: str | None = None,
) -> None:
    stored: list[str] = []
    try:
        async with asyncio.timeout(runtime.settings.report_job_timeout_s), jobs_of(runtime).slots:
            await _work(runtime, principal, report_id, spec, request_id, stored)
    except _Ended:
        await _drop(runtime, stored)  # failed as stale meanwhile: that stands, nothing is left behind
    except TimeoutError:
        await _fail(runtime, report_id, stored, "timeout", "the report took too long; try a shorter period")
    except asyncio.CancelledError:
        await _fail(runtime, report_id, stored, "interrupted", "the service stopped while the report was being made")
        raise
    except AgentError as exc:
        await _fail(runtime, report_id, stored, exc.code, exc.message)
    except Exception:
        log.exception("report job failed", extra={"report_id": report_id})
        await _fail(runtime, report_id, stored, "internal", "the report could not be made; try again")
    if session_id is not None:
        try:
            announce(runtime, session_id, public_view(await get_report(runtime, principal, report_id)))
        except Exception:  # noqa: BLE001 - the report stands; the chat can still poll its status
            log.warning("report not announced", extra={"report_id": report_id})


class _Ended(Exception):
    """The job's row was ended by someone else (failed as stale): stop, store nothing more."""


async def _work(
    runtime: Runtime,
    principal: Principal,
    report_id: str,
    spec: ReportSpec,
    request_id: str | None,
    stored: list[str],
) -> None:
    from .builder import build
    from .html import render_html
    from .pdf import render_pdf

    async def step(**fields: Any) -> None:
        if not await _update(runtime, report_id, **fields):
            raise _Ended(report_id)

    await step(status="running", stage="collecting", progress=0.1, started_at=datetime.now(UTC))
    report = await build(
        runtime, principal, persona=spec.persona, language=spec.language, days=spec.days, request_id=request_id
    )
    await step(stage="rendering_html", progress=0.5)
    html = render_html(report)
    files: dict[str, dict[str, Any]] = {}
    outputs: list[tuple[str, bytes]] = []
    if "html" in spec.formats:
        outputs.append(("html", html.encode()))
    if "pdf" in spec.formats:
        await step(stage="rendering_pdf", progress=0.6)
        outputs.append(("pdf", await render_pdf(html, max_pages=runtime.settings.report_pdf_max_pages)))
    await step(stage="storing", progress=0.9)
    for fmt, data in outputs:
        key = f"reports/{principal.tenant_id}/{report_id}.{fmt}"
        stored.append(key)  # before the write: a write cut off after it landed is still cleaned up
        await runtime.store.put(key, data, CONTENT_TYPES[fmt])
        files[fmt] = {"key": key, "bytes": len(data), "content_type": CONTENT_TYPES[fmt]}
    summary = {
        "title": report.title,
        "period": report.period,
        "data_date": report.data.data_date,
        "sources": [report.data.calls[k].public() for k in report.cited_calls()],
        "narrative": {s.key: s.narrative_by for s in report.sections},
    }
    await step(status="ready", stage="ready", progress=1.0, files=files, summary=summary, finished_at=datetime.now(UTC))
    try:
        await _index(runtime, principal, report_id, report)
    except Exception:
        log.warning("report not indexed for retrieval", extra={"report_id": report_id}, exc_info=True)


async def _index(runtime: Runtime, principal: Principal, report_id: str, report: Any) -> None:
    """Makes the report findable by the tenant's retrieval (knowledge/), in the background: the job
    is ready without waiting for it, and a failure there never fails the report."""
    from ..knowledge.index import index_later

    text = "\n\n".join(f"{s.title}\n{s.narrative}" for s in report.sections)
    day = date.fromisoformat(report.data.data_date)
    index_later(runtime, principal.tenant_id, "report", report_id, report.title, text, report.language, day)


async def _drop(runtime: Runtime, stored: list[str]) -> None:
    for key in stored:  # nothing half-made is left behind
        try:
            await runtime.store.delete(key)
        except Exception:  # noqa: BLE001
            log.warning("report file not removed", extra={"key": key})


async def _fail(runtime: Runtime, report_id: str, stored: list[str], code: str, message: str) -> None:
    await _drop(runtime, stored)
    try:
        await asyncio.shield(
            _update(
                runtime,
                report_id,
                status="failed",
                stage="failed",
                error={"code": code, "message": message},
                files={},
                finished_at=datetime.now(UTC),
            )
        )
    except Exception:  # noqa: BLE001 - the stale-job rule fails it on the next read
        log.warning("report failure not stored", extra={"report_id": report_id})


async def _expire_stale(runtime: Runtime, tenant_id: str) -> None:
    await fail_stale(
        runtime.pool,
        "reports",
        tenant_id,
        runtime.settings.report_job_timeout_s,
        "the report job did not finish (its process stopped)",
    )


async def get_report(runtime: Runtime, principal: Principal, report_id: str) -> dict[str, Any]:
    """The tenant's report row; another tenant's or an unknown id is the same 404. A chat token
    (the InfraZen page's) reads only the reports its own user asked for in a chat."""
    if not _ID.match(report_id):
        raise NotFound("report not found")
    await _expire_stale(runtime, principal.tenant_id)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM reports WHERE id = %s AND tenant_id = %s", (report_id, principal.tenant_id)
        )
        row = await cur.fetchone()
    if row is None or (principal.is_chat_token and row["user_id"] != principal.user_id):
        raise NotFound("report not found")
    return dict(row)


async def list_reports(runtime: Runtime, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    await _expire_stale(runtime, principal.tenant_id)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM reports WHERE tenant_id = %s ORDER BY created_at DESC LIMIT %s",
            (principal.tenant_id, limit),
        )
        return [dict(r) for r in await cur.fetchall()]


async def report_file(runtime: Runtime, principal: Principal, report_id: str, fmt: str) -> tuple[bytes, str]:
    row = await get_report(runtime, principal, report_id)
    entry = (row["files"] or {}).get(fmt)
    if row["status"] != "ready" or entry is None:
        raise NotFound(
            f"the report has no {fmt} file" + ("" if row["status"] == "ready" else f" yet ({row['status']})")
        )
    return await runtime.store.get(entry["key"]), str(entry["content_type"])


async def wait_for(runtime: Runtime, principal: Principal, report_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """Polls until the job is ready or failed (the CLI and tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        row = await get_report(runtime, principal, report_id)
        if row["status"] in ("ready", "failed") or loop.time() > deadline:
            return row
        await asyncio.sleep(0.1)
