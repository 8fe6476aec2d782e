"""MCP over stdio for local use (`infrazen-agent mcp`): one client, one token (`--token` or
INFRAZEN_MCP_TOKEN), verified at start and again on every message, so an expired token stops
working as it would over HTTP. The runtime is the service's own (embedded or configured Postgres
and Redis); logs go to stderr, stdout carries the protocol only."""

from __future__ import annotations

from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.stdio import stdio_server

from ..auth import Principal, verify_token
from ..config import Settings
from ..runtime import Runtime
from .server import build_server


def principal_for(settings: Settings, token: str) -> Principal:
    principal = verify_token(settings, token)
    principal.require_service_token("MCP")
    return principal


async def serve_stdio(settings: Settings, token: str) -> None:
    principal_for(settings, token)  # refuse a bad token before anything starts
    from ..api.tools import on_start  # the demo dataset on a first start of the embedded default

    runtime = Runtime(settings)
    runtime.start_hooks.append(on_start)
    await runtime.ensure_started()

    def principal_of(_: ServerRequestContext[Any, Any]) -> Principal:
        return principal_for(settings, token)

    try:
        server = build_server(runtime, principal_of, lambda _: None)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await runtime.stop()
