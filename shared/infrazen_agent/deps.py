"""FastAPI dependencies, defined once: the runtime and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from .auth import Principal, bearer_token, verify_token
from .errors import AgentError
from .runtime import Runtime


def runtime_of(conn: HTTPConnection) -> Runtime:
    runtime: Runtime = conn.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return await runtime_of(request).ensure_started()


# Declares the HTTP bearer scheme in the OpenAPI (so the docs' "Authorize" sends the token); the
# header itself is read and checked by bearer_token, with its own error messages.
_BEARER = HTTPBearer(auto_error=False, bearerFormat="JWT", description="A service JWT (`infrazen-agent token`)")


async def current_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None
) -> Principal:
    principal = verify_token(runtime_of(request).settings, bearer_token(request.headers.get("authorization")))
    request.state.tenant_id = principal.tenant_id  # for the request's access-log line
    return principal


def sees_diagnostics(conn: HTTPConnection) -> bool:
    """Metrics and readiness details: for everyone (AGENT_DIAGNOSTICS=public), else admin tokens."""
    settings = runtime_of(conn).settings
    if settings.diagnostics_public:
        return True
    header = conn.headers.get("authorization")
    if not header:
        return False
    try:
        return verify_token(settings, bearer_token(header)).has_role("admin")
    except AgentError:
        return False


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
