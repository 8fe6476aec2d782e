"""A read tool called from outside a chat: `POST /v1/tools/{name}` and the MCP server share this one
path (the caller's checks, then the registry's limits, timeout and audit row), and a failed result
comes back as the error vocabulary's exception."""

from __future__ import annotations

from typing import Any

from ..auth import Principal
from ..errors import AgentError, Forbidden, InvalidInput, NotFound, RateLimited, Unavailable, UpstreamTimeout
from ..runtime import Runtime
from . import ToolContext, ToolResult, get_registry

_ERRORS: dict[str, type[AgentError]] = {
    "not_found": NotFound,
    "invalid_input": InvalidInput,
    "rate_limited": RateLimited,
    "timeout": UpstreamTimeout,
    "forbidden": Forbidden,
    "unavailable": Unavailable,
}


async def call_read_tool(
    runtime: Runtime,
    principal: Principal,
    name: str,
    arguments: dict[str, Any] | None,
    *,
    request_id: str | None = None,
) -> ToolResult:
    """Runs the read tool `name` as `principal` (its tenant, roles and rate limits; one audit row)
    and returns its successful result; raises the `AgentError` of a refusal or a failed call."""
    principal.require_service_token("the tool API")
    registry = get_registry()
    tool = registry.resolve(name)
    if tool is None:
        raise NotFound(f"unknown tool {name!r}")
    if tool.scope != "read":
        raise Forbidden(f"{tool.name} is an action; actions run only through a confirmed chat turn")
    ctx = ToolContext(runtime=runtime, principal=principal, request_id=request_id)
    result = await registry.call(name, arguments or {}, ctx)
    if not result.ok:
        assert result.error is not None
        raise _ERRORS.get(result.error["code"], AgentError)(result.error["message"])
    return result
