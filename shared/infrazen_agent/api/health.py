"""The health function: liveness (no dependency calls) and readiness (Postgres, Redis, storage)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..deps import runtime_of, sees_diagnostics
from ..readiness import check_readiness, llm_mode, public_view

router = APIRouter(tags=["health"])
_BOOT = time.time()


@router.get("/v1/health", summary="Liveness: the process answers; no dependency is called")
async def health(request: Request) -> dict[str, object]:
    runtime = runtime_of(request)
    return {
        "status": "ok",
        "uptime_s": round(time.time() - _BOOT, 3),
        "components": list(request.app.state.components),
        "llm": {"mode": llm_mode(runtime)},
    }


@router.get(
    "/v1/ready",
    summary="Readiness: Postgres, Redis and object storage, each with a short timeout",
    responses={503: {"description": "A dependency is down; `down` names it"}},
)
async def ready(request: Request) -> JSONResponse:
    ok, body = await check_readiness(runtime_of(request))
    return JSONResponse(body if sees_diagnostics(request) else public_view(ok, body), status_code=200 if ok else 503)
