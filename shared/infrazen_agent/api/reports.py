"""The InfraZen app's report calls (`app/core/services/report_service.py`): `POST /v1/reports/data`
and `POST /v1/reports/render`. Served by the generate_text function (server-to-server calls). The
tenant comes from the token only: a `user_id` in the body must match it or the call is refused."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, Forbidden
from ..reports.html import render_html
from ..reports.snapshot import Role, build_snapshot

router = APIRouter(tags=["reports"], responses=AUTH_RESPONSES)


class ReportContext(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the app also sends filters; they do not change the report yet

    time_range_days: int = Field(default=30, ge=1, le=366)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "finops", "language": "ru"}]})

    user_id: int | str | None = Field(default=None, description="ignored for scope: must equal the token's tenant")
    role: Role = "finops"
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


async def _snapshot(
    body: ReportRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    principal.require_service_token("a report")
    principal.require("report")
    if body.user_id is not None and str(body.user_id) != principal.tenant_id:
        raise Forbidden("user_id is not the token's tenant; the tenant comes from the token")
    days = (body.context or ReportContext()).time_range_days
    return await build_snapshot(
        runtime, principal, role=body.role, days=days, request_id=getattr(request.state, "request_id", None)
    )


@router.post("/v1/reports/data", response_model=ReportData, responses=_ERRORS, summary="A report's data (snapshot)")
async def report_data(
    body: ReportRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ReportData:
    return ReportData(snapshot=await _snapshot(body, request, principal, runtime))


@router.post(
    "/v1/reports/render", response_model=ReportRendered, responses=_ERRORS, summary="A report's data and its HTML page"
)
async def report_render(
    body: ReportRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ReportRendered:
    snapshot = await _snapshot(body, request, principal, runtime)
    return ReportRendered(snapshot=snapshot, html=render_html(snapshot, body.language))
