"""Import jobs: each file's import is a row in `focus_imports` (queued → running → imported |
rejected | failed) with its progress and conformance report. The API's jobs run in the background
of the process that took them (the file kept in a temporary folder, or read from the object store
under the tenant's `imports/<tenant>/` prefix); the CLI runs the same job inline. A job whose
process died is failed when next read (after IMPORT_JOB_TIMEOUT_S). Every read is the caller's
tenant only."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from ..auth import Principal
from ..background import BackgroundJobs, fail_stale
from ..errors import AgentError, InvalidInput, NotFound
from ..guard.rate import admit_request
from ..runtime import Runtime
from .load import ImportOptions, import_file

log = logging.getLogger("infrazen_agent.imports")
_ID = re.compile(r"^imp_[A-Za-z0-9_-]{8,40}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
PROGRESS_EVERY_S = 0.5


def store_prefix(tenant_id: str) -> str:
    """Where a tenant's exports go in the object store for `POST /v1/imports/focus` by key."""
    return f"imports/{tenant_id}/"


def clean_name(name: str | None) -> str:
    base = Path(name or "focus.csv").name
    return (_SAFE_NAME.sub("_", base).strip("._") or "focus.csv")[:120]


def public_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "stage": row["stage"],
        "progress": round(float(row["progress"]), 3),
        "rows_read": row["rows_read"],
        "source": row["source"],
        "cost_column": row["cost_column"],
        "skip_bad_rows": row["skip_bad_rows"],
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "error": row["error"],
        "report": row["report"],
    }


class ImportJobs(BackgroundJobs):
    """The import jobs this process runs; at most `concurrent` at once (the rest wait queued)."""


def jobs_of(runtime: Runtime) -> ImportJobs:
    jobs = runtime.services.get("imports")
    if not isinstance(jobs, ImportJobs):
        jobs = runtime.services["imports"] = ImportJobs(runtime.settings.import_max_concurrent)
    return jobs


def spool_dir(runtime: Runtime) -> Path:
    path = Path(runtime.settings.agent_data_dir) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def _update(runtime: Runtime, import_id: str, **fields: Any) -> None:
    cols = ", ".join(f"{k} = %s" for k in fields)
    values = [Jsonb(v) if k in ("report", "error") else v for k, v in fields.items()]
    async with runtime.pool.connection() as conn:
        await conn.execute(
            f"UPDATE focus_imports SET {cols} WHERE id = %s AND status IN ('queued', 'running')",
            (*values, import_id),
        )


async def create_job(runtime: Runtime, principal: Principal, source: str, options: ImportOptions) -> dict[str, Any]:
    import_id = f"imp_{secrets.token_urlsafe(12)}"
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO focus_imports (id, tenant_id, user_id, source, cost_column, skip_bad_rows, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'queued') RETURNING *",
            (import_id, principal.tenant_id, principal.user_id, source, options.cost_column, options.skip_bad_rows),
        )
        row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def run_job(
    runtime: Runtime,
    principal: Principal,
    import_id: str,
    path: Path,
    source: str,
    options: ImportOptions,
    on_progress: Callable[[float, int], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Runs one job to its end (the CLI awaits it; the API spawns it) and returns its row."""
    last = [0.0]

    async def progress(share: float, rows: int) -> None:
        if on_progress is not None:
            await on_progress(share, rows)
        now = time.monotonic()
        if share >= 1.0:  # the file is read; folding and writing it is the last tenth
            await _update(runtime, import_id, stage="writing", progress=0.9, rows_read=rows)
        elif now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            await _update(runtime, import_id, progress=share * 0.9, rows_read=rows)

    try:
        await _update(runtime, import_id, status="running", stage="reading", started_at=datetime.now(UTC))
        report = await import_file(
            runtime.database_url,
            principal.tenant_id,
            path,
            source_name=source,
            options=options,
            import_id=import_id,
            on_progress=progress,
        )
        body = report.public()
        await _update(
            runtime,
            import_id,
            status=report.outcome,
            stage=report.outcome,
            progress=1.0,
            rows_read=report.rows_read,
            report=body,
            error=None if report.outcome == "imported" else {"code": "rejected", "message": report.reason or ""},
            finished_at=datetime.now(UTC),
        )
    except AgentError as exc:
        await _fail(runtime, import_id, exc.code, exc.message)
    except asyncio.CancelledError:
        await _fail(runtime, import_id, "interrupted", "the service stopped while the file was being imported")
        raise
    except Exception:
        log.exception("import job failed", extra={"import_id": import_id})
        await _fail(runtime, import_id, "internal", "the file could not be imported; nothing was changed")
    return await get_import(runtime, principal, import_id)


async def _fail(runtime: Runtime, import_id: str, code: str, message: str) -> None:
    try:
        await asyncio.shield(
            _update(
                runtime,
                import_id,
                status="failed",
                stage="failed",
                error={"code": code, "message": message},
                finished_at=datetime.now(UTC),
            )
        )
    except Exception:  # noqa: BLE001 - the stale-job rule fails it on the next read
        log.warning("import failure not stored", extra={"import_id": import_id})


async def start_import(
    runtime: Runtime,
    principal: Principal,
    *,
    options: ImportOptions,
    spooled: Path | None = None,
    filename: str | None = None,
    object_key: str | None = None,
) -> dict[str, Any]:
    """Stores the job and starts it in the background; returns at once (status queued). The job
    owns `spooled` (a file in `spool_dir`) and deletes it when done."""
    principal.require("import")
    if object_key is not None and not object_key.startswith(store_prefix(principal.tenant_id)):
        raise InvalidInput(f"an object key must be under {store_prefix(principal.tenant_id)} (the token's tenant)")
    if object_key is not None and (".." in object_key.split("/") or len(object_key) > 500):
        raise InvalidInput("the object key is not valid")
    await admit_request(runtime, principal, "import_focus")
    source = clean_name(object_key.rsplit("/", 1)[-1] if object_key else filename)
    row = await create_job(runtime, principal, source, options)
    jobs_of(runtime).spawn(_background(runtime, principal, row["id"], options, spooled, object_key, source))
    return public_view(row)


async def _background(
    runtime: Runtime,
    principal: Principal,
    import_id: str,
    options: ImportOptions,
    spooled: Path | None,
    object_key: str | None,
    source: str,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="job-", dir=spool_dir(runtime)))
    try:
        async with asyncio.timeout(runtime.settings.import_job_timeout_s), jobs_of(runtime).slots:
            path = spooled
            if object_key is not None:
                await _update(runtime, import_id, stage="fetching")
                try:
                    data = await runtime.store.get(object_key)
                except NotFound:
                    await _fail(runtime, import_id, "not_found", f"no object {object_key} in the store")
                    return
                path = workdir / source
                await asyncio.to_thread(path.write_bytes, data)
                del data
            assert path is not None
            await run_job(runtime, principal, import_id, path, source, options)
    except TimeoutError:
        await _fail(runtime, import_id, "timeout", "the import took too long; split the file")
    finally:
        await asyncio.to_thread(_remove, workdir, spooled)


def _remove(workdir: Path, spooled: Path | None) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
    if spooled is not None:
        spooled.unlink(missing_ok=True)


async def _expire_stale(runtime: Runtime, tenant_id: str) -> None:
    await fail_stale(
        runtime.pool,
        "focus_imports",
        tenant_id,
        runtime.settings.import_job_timeout_s + 60,
        "the import did not finish (its process stopped)",
    )


async def get_import(runtime: Runtime, principal: Principal, import_id: str) -> dict[str, Any]:
    """The tenant's import row; another tenant's or an unknown id is the same 404."""
    if not _ID.match(import_id):
        raise NotFound("import not found")
    await _expire_stale(runtime, principal.tenant_id)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM focus_imports WHERE id = %s AND tenant_id = %s", (import_id, principal.tenant_id)
        )
        row = await cur.fetchone()
    if row is None:
        raise NotFound("import not found")
    return dict(row)


async def wait_for(runtime: Runtime, principal: Principal, import_id: str, timeout_s: float = 120.0) -> dict[str, Any]:
    """Polls until the job has ended (tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        row = await get_import(runtime, principal, import_id)
        if row["status"] not in ("queued", "running") or loop.time() > deadline:
            return row
        await asyncio.sleep(0.05)
