"""Reports. Ours: `POST /v1/reports` starts a job (HTML and/or PDF), `GET /v1/reports/{id}` its
status and links, `GET /v1/reports/{id}/{html|pdf}` the file, `GET /v1/reports` the tenant's list.
The InfraZen app's (`app/core/services/report_service.py`): `POST /v1/reports/data` and
`POST /v1/reports/render`, answered at once. The tenant comes from the token only: a `user_id` in
the body must match it or the call is refused. Served by the generate_text function."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, Forbidden
from ..guard.rate import admit_request
from ..reports.builder import build, snapshot_of
from ..reports.document import Persona
from ..reports.html import render_html
from ..reports.jobs import ReportSpec, get_report, list_reports, public_view, report_file, start_report

router = APIRouter(tags=["reports"], responses=AUTH_RESPONSES)

_RANGE = re.compile(r"^(\d{1,3})d$")


class NewReport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"persona": "cfo", "time_range": "90d", "language": "ru", "format": "both"}]},
    )

    persona: Persona = "finops"
    time_range: str = Field(default="30d", description='the last N days of data: "7d" … "366d"')
    language: Literal["ru", "en"] = "ru"
    format: Literal["html", "pdf", "both"] = "both"

    @field_validator("time_range")
    @classmethod
    def _range(cls, value: str) -> str:
        m = _RANGE.match(value.strip())
        if not m or not 1 <= int(m.group(1)) <= 366:
            raise ValueError('use "<days>d" with 1 to 366 days, e.g. "30d"')
        return f"{int(m.group(1))}d"

    def spec(self) -> ReportSpec:
        formats: tuple[Literal["html", "pdf"], ...] = ("html", "pdf") if self.format == "both" else (self.format,)
        return ReportSpec(self.persona, self.language, int(self.time_range[:-1]), formats)


class ReportJob(BaseModel):
    id: str
    status: Literal["queued", "running", "ready", "failed"]
    stage: str
    progress: float
    persona: str
    language: str
    time_range: str
    formats: list[str]
    created_at: str
    finished_at: str | None
    error: dict[str, str] | None
    title: str | None
    data_date: str | None
    links: dict[str, str] = Field(description="format → where to download it (same token)")
    sizes: dict[str, int]


class ReportList(BaseModel):
    reports: list[ReportJob]


_JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token"},
    403: {"description": "The role may not make reports (analyst and up), or a chat token"},
    404: {"description": "No such report for this tenant"},
    422: {"description": "Malformed body"},
    429: {"description": "Too many reports in the window"},
}


def _base(request: Request) -> str:
    return str(request.scope.get("root_path") or "")


@router.post("/v1/reports", status_code=202, response_model=ReportJob, responses=_JOB_ERRORS, summary="Start a report")
async def create_report(
    body: NewReport, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    principal.require_service_token("a report")
    principal.require("report")
    view = await start_report(runtime, principal, body.spec(), request_id=getattr(request.state, "request_id", None))
    return view


@router.get("/v1/reports", response_model=ReportList, responses=_JOB_ERRORS, summary="The tenant's reports")
async def reports_list(
    request: Request,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    principal.require_service_token("reports")
    principal.require("read")
    rows = await list_reports(runtime, principal, limit)
    return {"reports": [public_view(r, _base(request)) for r in rows]}


@router.get("/v1/reports/{report_id}", response_model=ReportJob, responses=_JOB_ERRORS, summary="A report's status")
async def report_status(
    report_id: str, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    principal.require("read")  # a chat token: only its own user's reports (jobs.get_report)
    return public_view(await get_report(runtime, principal, report_id), _base(request))


@router.get(
    "/v1/reports/{report_id}/{fmt}",
    responses={**_JOB_ERRORS, 200: {"content": {"text/html": {}, "application/pdf": {}}}},
    summary="A report's file (HTML or PDF)",
)
async def report_download(
    report_id: str, fmt: Literal["html", "pdf"], principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    principal.require("read")
    data, content_type = await report_file(runtime, principal, report_id, fmt)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{report_id}.{fmt}"',
            # The page is ours and static: no script may run in it, nothing external may load, it
            # posts nowhere and is framed by no one.
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'; sandbox"
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- the InfraZen app's calls -------------------------------------------------------------------


class ReportContext(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the app also sends filters; they do not change the report yet

    time_range_days: int = Field(default=30, ge=1, le=366)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "finops", "language": "ru"}]})

    user_id: int | str | None = Field(default=None, description="ignored for scope: must equal the token's tenant")
    role: Persona = "finops"
    context: ReportContext | None = None
    language: Literal["ru", "en"] = "ru"


class ReportData(BaseModel):
    success: bool = True
    snapshot: dict[str, Any]


class ReportRendered(ReportData):
    html: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token"},
    403: {"description": "`user_id` is not the token's tenant, or a chat token"},
    422: {"description": "Malformed body"},
}


def _check(body: ReportRequest, principal: CurrentPrincipal) -> int:
    principal.require_service_token("a report")
    principal.require("report")
    if body.user_id is not None and str(body.user_id) != principal.tenant_id:
        raise Forbidden("user_id is not the token's tenant; the tenant comes from the token")
    return (body.context or ReportContext()).time_range_days


@router.post("/v1/reports/data", response_model=ReportData, responses=_ERRORS, summary="A report's data (snapshot)")
async def report_data(
    body: ReportRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ReportData:
    from ..reports.collect import collect

    days = _check(body, principal)
    await admit_request(runtime, principal, "report")
    data = await collect(
        runtime, principal, days=days, request_id=getattr(request.state, "request_id", None), detail=False
    )
    return ReportData(snapshot=snapshot_of(data, body.role))


@router.post(
    "/v1/reports/render", response_model=ReportRendered, responses=_ERRORS, summary="A report's data and its HTML page"
)
async def report_render(
    body: ReportRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ReportRendered:
    days = _check(body, principal)
    await admit_request(runtime, principal, "report")
    report = await build(
        runtime,
        principal,
        persona=body.role,
        language=body.language,
        days=days,
        request_id=getattr(request.state, "request_id", None),
    )
    return ReportRendered(snapshot=snapshot_of(report.data, body.role), html=render_html(report))
