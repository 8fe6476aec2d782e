"""MCP over streamable HTTP: the ASGI endpoint mounted at `/mcp` (api/mcp.py).

Every HTTP request is authenticated before the SDK sees it, with the tool API's own check (a
Bearer service JWT, `verify_token`; a chat token is refused): no token, a bad or an expired one is
a 401 in the service's error format. The server runs stateless with JSON answers: no session is
kept in a replica's memory, so any replica serves any request, and each message is authorised by
the token that carries it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from ..auth import Principal, bearer_token, verify_token
from ..deps import runtime_of
from ..errors import AgentError, Unauthorized
from ..runtime import Runtime
from .server import build_server

_PRINCIPAL = "mcp_principal"  # key in the ASGI scope's state, set once the token is verified
_SERVICE = "mcp"  # key in Runtime.services


def _principal_of(ctx: ServerRequestContext[Any, Any]) -> Principal:
    request = ctx.request
    principal = request.scope.get("state", {}).get(_PRINCIPAL) if request is not None else None
    if not isinstance(principal, Principal):  # never reached through McpEndpoint: it authenticates first
        raise Unauthorized("missing Authorization: Bearer <token>")
    return principal


def _request_id_of(ctx: ServerRequestContext[Any, Any]) -> str | None:
    request = ctx.request
    rid = request.scope.get("state", {}).get("request_id") if request is not None else None
    return rid if isinstance(rid, str) else None


class McpService:
    """The runtime's MCP server and the SDK's request manager, run by a task of its own for as long
    as the runtime (the manager's task group must be entered and left by one task)."""

    def __init__(self, runtime: Runtime):
        server = build_server(runtime, _principal_of, _request_id_of)
        self.manager = StreamableHTTPSessionManager(app=server, stateless=True, json_response=True)
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._hold(), name="mcp-manager")

    async def _hold(self) -> None:
        async with self.manager.run():
            self._ready.set()
            await self._stop.wait()

    async def started(self) -> McpService:
        ready = asyncio.ensure_future(self._ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            ready.cancel()
            self._task.result()  # raises why the manager did not start
            raise RuntimeError("the MCP manager stopped before it started")
        return self

    async def aclose(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            await self._task


async def _service(runtime: Runtime) -> McpService:
    service = runtime.services.get(_SERVICE)
    if service is None:
        service = runtime.services[_SERVICE] = McpService(runtime)
    assert isinstance(service, McpService)
    return await service.started()


class McpEndpoint:
    """ASGI app: authenticate, then hand the request to the SDK's streamable HTTP transport."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        runtime = await runtime_of(conn).ensure_started()
        try:
            principal = verify_token(runtime.settings, bearer_token(conn.headers.get("authorization")))
            principal.require_service_token("MCP")
        except AgentError as exc:
            headers = dict(exc.headers or {})
            if exc.status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="infrazen-agent"'
            await JSONResponse(exc.body(), status_code=exc.status, headers=headers)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[_PRINCIPAL] = principal
        state["tenant_id"] = principal.tenant_id  # for the request's access-log line
        await (await _service(runtime)).manager.handle_request(scope, receive, send)
