"""The tools component: `GET /v1/tools` (catalog with schemas) and `POST /v1/tools/{name}` (call a
read tool as the authenticated principal, with the agent's limits and audit). Its start hook loads
the demo dataset on a first start of the embedded default."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Body, Request

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES
from ..runtime import Runtime
from ..tools import ToolResult, get_registry
from ..tools.public import call_read_tool
from . import audit

log = logging.getLogger("infrazen_agent.api.tools")
router = APIRouter(tags=["tools"], responses=AUTH_RESPONSES)
router.include_router(audit.router)  # the audit log of these calls


async def on_start(runtime: Runtime) -> None:
    """First start with AGENT_LOAD_DEMO: load the demo dataset into an empty database."""
    if not runtime.settings.agent_load_demo or runtime.settings.agent_internal_api_base:
        return
    from ..data.loader import seed_database

    report = await seed_database(runtime.database_url)
    if report.seeded:
        log.info("demo dataset loaded on first start", extra={"tenants": report.tenants, "cost_rows": report.cost_rows})


@router.get("/v1/tools", summary="The tool catalog: names, versions, descriptions, JSON schemas, scopes")
async def list_tools(_: CurrentPrincipal) -> dict[str, Any]:
    return {"tools": [tool.describe() for tool in get_registry().tools()]}


@router.post(
    "/v1/tools/{name}",
    response_model=ToolResult,
    summary="Call a read tool as the caller (body = the tool's arguments)",
    responses={
        403: {"description": "An action tool (needs the chat's confirmation flow), a missing role, or a chat token"},
        404: {"description": "Unknown tool, or an id not found in the caller's tenant"},
        422: {"description": "Arguments do not match the tool's input schema"},
        429: {"description": "Per-user tool rate limit"},
    },
)
async def call_tool(
    name: str,
    request: Request,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    arguments: dict[str, Any] | None = Body(default=None, examples=[{"days": 30}, {"recommendation_id": 42}]),
) -> ToolResult:
    request_id = getattr(request.state, "request_id", None)
    return await call_read_tool(runtime, principal, name, arguments, request_id=request_id)  # the MCP server's path too
