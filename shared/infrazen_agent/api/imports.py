"""Billing imports: `POST /v1/imports/focus` (a FOCUS export as a multipart upload, or the key of
one in the object store under `imports/<tenant>/`) starts a job; `GET /v1/imports/{id}` is its
status, progress and conformance report. Admin role; the tenant comes from the token only. Served
by the upload function."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, ErrorBody, InvalidInput, UnsupportedMediaType
from ..imports.focus import COST_COLUMNS
from ..imports.jobs import get_import, public_view, spool_dir, start_import
from ..imports.load import ImportOptions
from ..imports.reader import Reader

router = APIRouter(tags=["imports"], responses=AUTH_RESPONSES)

CostColumnName = Literal["EffectiveCost", "BilledCost", "ListCost", "ContractedCost"]


class ImportByKey(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"object_key": "imports/1001/focus-2025-06.csv.gz"}]},
    )

    object_key: str = Field(min_length=1, max_length=500, description="under imports/<the token's tenant>/")
    cost_column: CostColumnName = "EffectiveCost"
    skip_bad_rows: bool = False


class ImportJob(BaseModel):
    id: str
    status: Literal["queued", "running", "imported", "rejected", "failed"]
    stage: str
    progress: float = Field(description="0 … 1")
    rows_read: int
    source: str = Field(description="the file's name")
    cost_column: str
    skip_bad_rows: bool
    created_at: str
    finished_at: str | None
    error: dict[str, str] | None
    report: dict[str, Any] | None = Field(description="the conformance report, once the file is read (docs/imports.md)")


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        401: "Missing or invalid token",
        403: "Not an admin, the demo user, or a chat token",
        404: "No such import for this tenant",
        413: "Larger than IMPORT_MAX_BYTES",
        415: "Neither multipart/form-data nor application/json, or Parquet without pyarrow",
        422: "Not a CSV, CSV.gz or Parquet file with a header; a bad field; an object key outside the tenant's prefix",
        429: "Too many imports in the window",
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
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "CSV, CSV.gz or Parquet"},
                        "cost_column": {"type": "string", "enum": list(COST_COLUMNS), "default": "EffectiveCost"},
                        "skip_bad_rows": {"type": "boolean", "default": False},
                    },
                }
            },
            "application/json": {"schema": ImportByKey.model_json_schema()},
        },
    }
}


def _spool(item: UploadFile, folder: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix="upload-", dir=folder)
    path = Path(name)
    with open(fd, "wb") as out:
        item.file.seek(0)
        shutil.copyfileobj(item.file, out, 1024 * 1024)
    return path


def _check_readable(path: Path) -> None:
    """A file that is not CSV, CSV.gz or Parquet with a header is refused at once (4xx)."""
    reader = Reader(path)
    reader.close()


async def _from_form(request: Request, folder: Path) -> tuple[Path, str | None, ImportOptions]:
    form = await request.form(max_files=1, max_fields=5)
    try:
        item = form.get("file")
        if not isinstance(item, UploadFile):
            raise InvalidInput("multipart field 'file' is required")
        cost = str(form.get("cost_column") or "EffectiveCost")
        if cost not in COST_COLUMNS:
            raise InvalidInput(f"cost_column must be one of {', '.join(COST_COLUMNS)}")
        skip = str(form.get("skip_bad_rows") or "false").strip().lower()
        if skip not in ("true", "false", "1", "0"):
            raise InvalidInput("skip_bad_rows must be true or false")
        path = await asyncio.to_thread(_spool, item, folder)
        return path, item.filename, ImportOptions(cost_column=cost, skip_bad_rows=skip in ("true", "1"))
    finally:
        await form.close()


@router.post(
    "/v1/imports/focus",
    status_code=202,
    response_model=ImportJob,
    responses=_ERRORS,
    openapi_extra=_BODY_DOC,
    summary="Import a FOCUS billing export (a job)",
)
async def import_focus(request: Request, principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    principal.require_service_token("an import")
    principal.require("import")  # before a byte of the body is read
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        path, filename, options = await _from_form(request, spool_dir(runtime))
        try:
            await asyncio.to_thread(_check_readable, path)
            return await start_import(runtime, principal, options=options, spooled=path, filename=filename)
        except BaseException:
            await asyncio.to_thread(path.unlink, True)
            raise
    if ctype == "application/json":
        try:
            body = ImportByKey.model_validate(json.loads(await request.body()))
        except (ValueError, ValidationError, RecursionError):
            raise InvalidInput(
                'expected JSON {"object_key": "imports/<tenant>/<file>", "cost_column", "skip_bad_rows"}'
            ) from None
        options = ImportOptions(cost_column=body.cost_column, skip_bad_rows=body.skip_bad_rows)
        return await start_import(runtime, principal, options=options, object_key=body.object_key)
    raise UnsupportedMediaType("send multipart/form-data (field 'file') or application/json with an object_key")


@router.get("/v1/imports/{import_id}", response_model=ImportJob, responses=_ERRORS, summary="An import's status")
async def import_status(import_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    principal.require_service_token("imports")
    principal.require("import")
    return public_view(await get_import(runtime, principal, import_id))
