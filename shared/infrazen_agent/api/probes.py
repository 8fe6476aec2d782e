"""OpenFaaS probes served by every function: `/_/health` (alive) and `/_/ready` (started, deps up)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..deps import runtime_of, sees_diagnostics
from ..readiness import check_readiness, public_view

router = APIRouter(include_in_schema=False)


@router.get("/_/health")
async def probe_health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/_/ready")
async def probe_ready(request: Request) -> JSONResponse:
    ok, body = await check_readiness(runtime_of(request))
    return JSONResponse(body if sees_diagnostics(request) else public_view(ok, body), status_code=200 if ok else 503)
