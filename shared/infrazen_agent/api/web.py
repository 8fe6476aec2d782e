"""The web app (web/static) at `/`, and dev-only sign-in as a demo user.

Served by `serve` and by the chat function. The page is same-origin with the API, so its token
never leaves the tab (kept in sessionStorage, gone when the tab closes). `/v1/dev/*` exists only
with AGENT_ENV=dev: it lists the demo users and mints a short-lived token for one of them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..auth import INFRAZEN_ROLES, mint_token
from ..deps import RuntimeDep
from ..errors import NotFound
from ..reports.html import STYLE_HASH as REPORT_STYLE

router = APIRouter(tags=["web"])

_STATIC = resources.files("infrazen_agent.web") / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_ASSETS = {name: _TYPES[name[name.rfind(".") :]] for name in ("app.js", "strings.js", "markdown.js", "app.css")}
# Only this origin's scripts and styles; the chat socket on the same host; framed only by this
# origin and the embedding apps allowed by AGENT_CORS_ORIGINS (the InfraZen app).
# A report opened from the app is a blob: URL and inherits this policy; its one inline style is
# allowed by hash (reports/html.py), nothing else inline.
_CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {REPORT_STYLE}; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
DEMO_TOKEN_TTL_S = 3600


@functools.cache  # the package's files do not change while the process runs
def _read(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


@router.get("/", include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    embedders = " ".join(o for o in request.app.state.runtime.settings.agent_cors_origins if o != "*")
    csp = f"{_CSP} {embedders}".strip()
    # frame-ancestors decides in browsers that know it; SAMEORIGIN for those that do not
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": csp, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(_read("index.html"), headers=headers)


@router.get("/app/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in _ASSETS:
        raise NotFound("no such file")
    return Response(
        _read(name),
        media_type=_ASSETS[name],
        headers={"Cache-Control": "no-cache"},  # nosniff and the rest: middleware
    )


def _dev_only(request: Request) -> None:
    if request.app.state.runtime.settings.agent_env != "dev":
        raise NotFound("not found")


_DEV: dict[int | str, dict[str, Any]] = {404: {"description": "Not in dev mode (AGENT_ENV=prod), or no such demo user"}}


@router.get("/v1/dev/demo-users", responses=_DEV, summary="Dev only: the demo users a person may sign in as")
async def demo_users(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    _dev_only(request)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT u.id, u.name, u.role, u.language, u.tenant_id, t.name AS tenant_name, t.currency"
            " FROM users u JOIN tenants t ON t.id = u.tenant_id"
            " WHERE t.id NOT LIKE 'bench-%%' ORDER BY t.created_at, t.id, u.id"
        )
        rows = await cur.fetchall()
    return {"users": [dict(r) for r in rows]}


class DemoSignIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"user_id": "1001", "tenant_id": "1001"}]})

    user_id: str = Field(min_length=1, max_length=64)
    tenant_id: str = Field(min_length=1, max_length=64)


@router.post(
    "/v1/dev/token", responses=_DEV, summary="Dev only: a short-lived token for a demo user (no auth: sign-in)"
)
async def demo_token(body: DemoSignIn, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    _dev_only(request)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, role, language FROM users WHERE id = %s AND tenant_id = %s", (body.user_id, body.tenant_id)
        )
        user = await cur.fetchone()
    if user is None:
        raise NotFound("no such demo user")
    roles, demo = INFRAZEN_ROLES.get(str(user["role"] or "user"), (("viewer",), False))
    token = mint_token(
        runtime.settings, user=body.user_id, tenant=body.tenant_id, roles=list(roles), demo=demo, ttl_s=DEMO_TOKEN_TTL_S
    )
    return {"token": token, "expires_in": DEMO_TOKEN_TTL_S, "language": user["language"] or "ru"}
