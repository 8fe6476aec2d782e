"""The MCP server over the tool registry (the SDK's low-level `Server`), for any transport.

- Tools: every read tool, with its JSON input and output schemas and read-only annotations; a
  call is `tools.public.call_read_tool`, the code path of `POST /v1/tools/{name}` (the caller's
  tenant, roles, rate limits, one audit row). Each action tool is offered as `propose_<name>`: the
  call stores a proposal through the actions flow (`actions.flow.propose`) and does nothing else;
  the user approves it in InfraZen.
- Prompts: the two chat scenarios (a recommendation, the costs of a period).
- Resources: the caller's recommendations, `infrazen://recommendations/{id}`, read by the
  recommendation tools (so tenant-scoped and audited like any call).

Who calls comes from `principal_of(ctx)` (the verified token of the HTTP request, or the token
stdio was started with), never from an argument.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from ..auth import Principal
from ..errors import AgentError, NotFound, RateLimited, Unavailable, is_dependency_error
from ..runtime import Runtime
from ..tools import Tool, ToolContext, get_registry
from ..tools.public import call_read_tool
from . import prompts

PrincipalOf = Callable[[ServerRequestContext[Any, Any]], Principal]
RequestIdOf = Callable[[ServerRequestContext[Any, Any]], str | None]

PROPOSE_PREFIX = "propose_"
RECOMMENDATION_URI = "infrazen://recommendations/{recommendation_id}"
_RECOMMENDATION_URI = re.compile(r"^infrazen://recommendations/([1-9][0-9]{0,17})$")
RESOURCES_LISTED = 10  # the top open recommendations by savings
PROPOSAL_LANGUAGE = "ru"  # the preview's language, as the chat's default
RESOURCE_NOT_FOUND = -32002  # the MCP specification's code for an unknown resource

_READ_ONLY = types.ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
_PROPOSAL = types.ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
_PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action_id": {"type": "string"},
        "status": {"type": "string", "const": "awaiting_confirmation"},
        "preview": {"type": "string", "description": "what the action will do once the user approves it"},
        "arguments": {"type": "object"},
        "expires_at": {"type": "string", "format": "date-time"},
        "status_path": {"type": "string", "description": "GET it (same token) for the action's state and result"},
        "decision_path": {"type": "string", "description": 'the user POSTs {"approve": true|false} here'},
    },
    "required": ["action_id", "status", "preview", "arguments", "expires_at", "status_path", "decision_path"],
}


def build_server(runtime: Runtime, principal_of: PrincipalOf, request_id_of: RequestIdOf) -> Server[Any]:
    registry = get_registry()

    def caller(ctx: ServerRequestContext[Any, Any]) -> Principal:
        try:
            return principal_of(ctx)
        except AgentError as exc:
            raise MCPError(types.INVALID_REQUEST, exc.message) from None

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        principal = caller(ctx)
        tools: list[types.Tool] = []
        for tool in registry.tools():
            if tool.scope == "read" and principal.has_role(tool.required_role):
                tools.append(_read_tool(tool))
            elif tool.scope == "action" and principal.may("action"):
                tools.append(_proposal_tool(tool))
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        principal = caller(ctx)
        try:
            if params.name.startswith(PROPOSE_PREFIX):
                return await _propose(runtime, principal, params.name, params.arguments or {}, request_id_of(ctx))
            result = await call_read_tool(
                runtime, principal, params.name, params.arguments, request_id=request_id_of(ctx)
            )
        except AgentError as exc:
            return _error(exc)
        except Exception as exc:
            if not is_dependency_error(exc):  # Postgres or Redis away (a proposal's own I/O): retryable
                raise
            return _error(Unavailable("a dependency is unavailable for a moment; retry"))
        data = result.data or {}
        return types.CallToolResult(
            content=[
                types.TextContent(text=result.summary),
                types.TextContent(text=json.dumps(data, ensure_ascii=False, default=str)),
            ],
            structured_content=data,
            _meta={"infrazen/tool": result.name, "infrazen/truncated": result.truncated},
        )

    async def list_prompts(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        caller(ctx)
        return types.ListPromptsResult(prompts=prompts.PROMPTS)

    async def get_prompt(
        ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        caller(ctx)
        try:
            return prompts.render(params.name, params.arguments or {})
        except AgentError as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message) from None

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        principal = caller(ctx)
        try:
            top = await call_read_tool(
                runtime,
                principal,
                "summarize_top_recommendations",
                {"limit": RESOURCES_LISTED},
                request_id=request_id_of(ctx),
            )
        except AgentError as exc:
            raise MCPError(types.INTERNAL_ERROR, exc.message) from None
        items = (top.data or {}).get("items", [])
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=RECOMMENDATION_URI.format(recommendation_id=item["id"]),
                    name=f"recommendation-{item['id']}",
                    title=item["title"],
                    description=f"{item['rec_type']}, saves {_amount(item['savings_monthly'])} a month",
                    mime_type="application/json",
                )
                for item in items
            ]
        )

    async def list_resource_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        caller(ctx)
        template = types.ResourceTemplate(
            uri_template=RECOMMENDATION_URI,
            name="recommendation",
            title="An optimisation recommendation",
            description="One of your recommendations by id: resource, costs, savings, confidence and evidence.",
            mime_type="application/json",
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        principal = caller(ctx)
        uri = str(params.uri)
        match = _RECOMMENDATION_URI.match(uri)
        if match is None:
            raise MCPError(RESOURCE_NOT_FOUND, f"no resource {uri[:200]!r}; try {RECOMMENDATION_URI}")
        try:
            result = await call_read_tool(
                runtime,
                principal,
                "get_recommendation",
                {"recommendation_id": int(match.group(1))},
                request_id=request_id_of(ctx),
            )
        except NotFound as exc:
            raise MCPError(RESOURCE_NOT_FOUND, exc.message) from None
        except AgentError as exc:
            raise MCPError(types.INTERNAL_ERROR, exc.message) from None
        text = json.dumps(result.data or {}, ensure_ascii=False, default=str)
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="application/json", text=text)]
        )

    return Server(
        "infrazen-agent",
        version="0.1.0",
        title="InfraZen Agent",
        instructions=prompts.INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=read_resource,
    )


def _read_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.name.replace("_", " ").capitalize(),
        description=tool.description + (f"\n{tool.prompt}" if tool.prompt else ""),
        input_schema=tool.input_schema(),
        output_schema=tool.output_schema(),
        annotations=_READ_ONLY,
        _meta={"infrazen/versioned_name": tool.versioned_name},
    )


def _proposal_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=PROPOSE_PREFIX + tool.name,
        title="Propose: " + tool.name.replace("_", " "),
        description=(
            f"PROPOSAL ONLY — this call does nothing but store a proposal of the action {tool.name} that the user "
            "must approve in InfraZen (it expires if they do not); tell the user it awaits their confirmation. "
            f"The action: {tool.description}"
        ),
        input_schema=tool.input_schema(),
        output_schema=_PROPOSAL_SCHEMA,
        annotations=_PROPOSAL,
        _meta={"infrazen/versioned_name": tool.versioned_name},
    )


async def _propose(
    runtime: Runtime, principal: Principal, name: str, arguments: dict[str, Any], request_id: str | None
) -> types.CallToolResult:
    """A proposal through the actions flow (stored, audited, never run here), counted against
    the action tool's own rate limit; a recommendation it names must be the caller's."""
    from ..actions.flow import propose
    from ..guard.rate import take, tool_limit, top_role

    principal.require_service_token("the tool API")
    tool = get_registry().resolve(name.removeprefix(PROPOSE_PREFIX))
    if tool is None or tool.scope != "action":
        raise NotFound(f"unknown tool {name!r}")
    principal.require("action")  # analysts and admins, never the demo user
    settings = runtime.settings
    limit = tool_limit(settings.tool_rate_limits, tool.name, top_role(principal), tool.rate_limit)
    counter = f"tool:{principal.tenant_id}:{principal.user_id}:{tool.name}"
    (decision,) = await take(runtime.redis, [(counter, limit)], settings.tool_rate_window_s)
    if not decision.admitted:
        window = settings.tool_rate_window_s
        raise RateLimited(
            f"{tool.name}: more than {limit} proposals in {window} s; retry in {decision.retry_after_s} s"
        )
    if "recommendation_id" in arguments:  # one of the caller's own, or no proposal (read and audited as a call)
        await call_read_tool(
            runtime,
            principal,
            "get_recommendation",
            {"recommendation_id": arguments["recommendation_id"]},
            request_id=request_id,
        )
    ctx = ToolContext(runtime=runtime, principal=principal, request_id=request_id)
    action = await propose(ctx, tool, arguments, PROPOSAL_LANGUAGE)
    data = {
        "action_id": action.id,
        "status": "awaiting_confirmation",
        "preview": action.preview,
        "arguments": action.payload,
        "expires_at": action.expires_at.isoformat(),
        "status_path": f"/v1/actions/{action.id}",
        "decision_path": f"/v1/actions/{action.id}/decision",
    }
    return types.CallToolResult(
        content=[
            types.TextContent(
                text=f"Proposed, waiting for the user's confirmation in InfraZen: {action.preview}. "
                "Nothing has been done yet."
            ),
            types.TextContent(text=json.dumps(data, ensure_ascii=False)),
        ],
        structured_content=data,
    )


def _error(exc: AgentError) -> types.CallToolResult:
    """A refused or failed call, as the tool's result (the model can read it and correct itself);
    the same code and message as the HTTP tool API's error body."""
    body = {"error": {"code": exc.code, "message": exc.message, "retryable": exc.retryable}}
    return types.CallToolResult(
        content=[types.TextContent(text=json.dumps(body, ensure_ascii=False))], structured_content=body, is_error=True
    )


def _amount(money: dict[str, Any]) -> str:
    return f"{money.get('amount')} {money.get('currency', '')}".strip()
