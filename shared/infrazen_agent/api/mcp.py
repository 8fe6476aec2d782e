"""The MCP component: the Model Context Protocol's streamable HTTP endpoint at `/mcp` (the MCP
server in infrazen_agent.mcp), beside the chat, and the user's decision on an action an MCP
client proposed. `/mcp` is not in the OpenAPI (it speaks JSON-RPC, see docs/mcp.md); the SDK
(~0.6 s of imports) is loaded by the first `/mcp` request, not at start-up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..actions.flow import decide, get_action
from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, Conflict


class _Endpoint:
    def __init__(self) -> None:
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            from ..mcp.http import McpEndpoint

            self._app = McpEndpoint()
        await self._app(scope, receive, send)


router = APIRouter(tags=["mcp"], responses=AUTH_RESPONSES)
router.routes.append(Route("/mcp", _Endpoint(), methods=["GET", "POST", "DELETE"], include_in_schema=False))


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"approve": True}]})

    approve: bool


@router.post(
    "/v1/actions/{action_id}/decision",
    summary="Approve or reject an action an MCP client proposed (a `propose_*` tool); an approved one runs once",
    responses={
        403: {"description": "A viewer, the demo user or a chat token"},
        404: {"description": "Not one of the caller's actions, or the proposal expired"},
        409: {"description": "The action was proposed in a chat: confirm it there"},
    },
)
async def decision(
    action_id: str, body: DecisionIn, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    principal.require_service_token("deciding an action")
    action = await get_action(runtime, principal, action_id)
    if action.session_id is not None:
        raise Conflict("this action was proposed in a chat session: confirm it there")
    return (await decide(runtime, principal, action_id, body.approve)).public()
