"""The tool registry: versioned tools with JSON-schema'd inputs and outputs, scopes, per-user rate
limits (Redis), timeouts, output size limits and an audit row per call (Postgres).

`ToolRegistry.call` never raises for tool-level problems: bad JSON or arguments, not found, rate
limit, timeout, forbidden — each comes back as `ToolResult(ok=False, error=…)`, and is audited.
The tenant is always the principal's (from the verified token), never an argument.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ..auth import Principal
from ..errors import AgentError, Forbidden, InvalidInput, NotFound, RateLimited, UpstreamTimeout
from ..runtime import Runtime

log = logging.getLogger("infrazen_agent.tools")

AUDIT_RESULT_MAX_CHARS = 4000
DEFAULT_MAX_OUTPUT_CHARS = 16_000


@dataclass(frozen=True)
class ToolContext:
    runtime: Runtime
    principal: Principal
    request_id: str | None = None
    session_id: str | None = None
    turn_id: str | None = None
    # Set by the confirmation flow only: action tools refuse to run without it.
    confirmed: bool = False


class ToolResult(BaseModel):
    name: str
    ok: bool
    data: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    summary: str
    truncated: bool = False
    latency_ms: float = 0.0


Handler = Callable[[ToolContext, Any], Awaitable[tuple[BaseModel, str]]]


@dataclass(frozen=True)
class Tool:
    name: str
    version: int
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Handler
    prompt: str | None = None
    scope: Literal["read", "action"] = "read"
    required_role: str = "viewer"
    rate_per_minute: int = 60
    timeout_s: float = 10.0
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS

    @property
    def versioned_name(self) -> str:
        return f"{self.name}@v{self.version}"

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.output_model.model_json_schema(mode="serialization")

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "versioned_name": self.versioned_name,
            "description": self.description,
            "prompt": self.prompt,
            "scope": self.scope,
            "required_role": self.required_role,
            "rate_limit_per_minute": self.rate_per_minute,
            "timeout_s": self.timeout_s,
            "max_output_chars": self.max_output_chars,
            "input_schema": self.input_schema(),
            "output_schema": self.output_schema(),
        }


_ERROR_CODES: dict[type[AgentError], str] = {
    NotFound: "not_found",
    InvalidInput: "invalid_input",
    RateLimited: "rate_limited",
    UpstreamTimeout: "timeout",
    Forbidden: "forbidden",
}


def error_code(exc: AgentError) -> str:
    for cls in type(exc).__mro__:
        if cls in _ERROR_CODES:
            return _ERROR_CODES[cls]
    if exc.code in ("bad_request", "invalid_input"):
        return "invalid_input"
    return "internal_error"


def _shrink(data: dict[str, Any], limit: int) -> tuple[dict[str, Any], bool]:
    """Fit `data` under `limit` JSON characters by halving its longest lists (recording what was
    left out), never by cutting text: the result is always whole JSON."""
    size = len(json.dumps(data, ensure_ascii=False, default=str))
    if size <= limit:
        return data, False
    data = json.loads(json.dumps(data, default=str))
    omitted: dict[str, int] = {}
    while size > limit:
        longest: tuple[int, list[Any] | None, str] = (0, None, "")

        def walk(node: Any, path: str) -> None:
            nonlocal longest
            if isinstance(node, list):
                if len(node) > longest[0]:
                    longest = (len(node), node, path)
                for i, item in enumerate(node[:50]):
                    walk(item, f"{path}[{i}]")
            elif isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{path}.{key}" if path else key)

        walk(data, "")
        n, lst, path = longest
        if lst is None or n <= 1:
            # Nothing left to page: say so instead of sending a cut document.
            return {"omitted": "output too large to send", "size_chars": size}, True
        keep = n // 2
        omitted[path] = omitted.get(path, 0) + (n - keep)
        del lst[keep:]
        data["_omitted_items"] = omitted
        size = len(json.dumps(data, ensure_ascii=False))
    return data, True


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, dict[int, Tool]] = {}

    def register(self, tool: Tool) -> Tool:
        if "@" in tool.name or not tool.name.replace("_", "").isalnum():
            raise ValueError(f"tool names are [a-z0-9_]: {tool.name!r}")
        versions = self._tools.setdefault(tool.name, {})
        if tool.version in versions:
            raise ValueError(f"{tool.versioned_name} is already registered")
        versions[tool.version] = tool
        return tool

    def names(self) -> list[str]:
        return sorted(self._tools)

    def latest(self, name: str) -> Tool:
        versions = self._tools[name]
        return versions[max(versions)]

    def tools(self) -> list[Tool]:
        return [self.latest(n) for n in self.names()]

    def resolve(self, name: str) -> Tool | None:
        base, _, version = name.partition("@")
        versions = self._tools.get(base)
        if not versions:
            return None
        if not version:
            return versions[max(versions)]
        if not version.startswith("v") or not version[1:].isdigit():
            return None
        return versions.get(int(version[1:]))

    def specs(self, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """OpenAI tools format; model-facing names carry no version ('@' is not allowed there)."""
        chosen = self.tools() if names is None else [t for n in names if (t := self.resolve(n))]
        out = []
        for tool in chosen:
            description = tool.description + (f"\n{tool.prompt}" if tool.prompt else "")
            out.append(
                {
                    "type": "function",
                    "function": {"name": tool.name, "description": description, "parameters": tool.input_schema()},
                }
            )
        return out

    async def call(self, name: str, arguments: dict[str, Any] | str, ctx: ToolContext) -> ToolResult:
        started = time.perf_counter()
        tool = self.resolve(name)
        parsed: dict[str, Any] | None = None
        try:
            if tool is None:
                raise NotFound(f"unknown tool {name!r}; known: {', '.join(self.names())}")
            parsed = _parse_arguments(arguments)
            _check_scope(tool, ctx)
            await _rate_limit(tool, ctx)
            args = _validate(tool, parsed)
            try:
                output, summary = await asyncio.wait_for(tool.handler(ctx, args), tool.timeout_s)
            except TimeoutError:
                raise UpstreamTimeout(f"{tool.name} took longer than {tool.timeout_s:g}s") from None
            data, truncated = _shrink(output.model_dump(mode="json"), tool.max_output_chars)
            result = ToolResult(name=tool.versioned_name, ok=True, data=data, summary=summary, truncated=truncated)
        except AgentError as exc:
            result = _failure(tool, name, error_code(exc), exc.message)
        except Exception:
            log.exception("tool failed", extra={"tool": name})
            result = _failure(tool, name, "internal_error", "the tool failed; the error was logged")
        result.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        await _audit(tool, name, parsed if parsed is not None else arguments, result, ctx)
        return result


def _failure(tool: Tool | None, name: str, code: str, message: str) -> ToolResult:
    label = tool.versioned_name if tool else name
    return ToolResult(
        name=label,
        ok=False,
        error={"code": code, "message": message},
        summary=f"{tool.name if tool else name} failed: {message}",
    )


def _parse_arguments(arguments: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise InvalidInput("arguments are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise InvalidInput("arguments must be a JSON object")
    return arguments


def _check_scope(tool: Tool, ctx: ToolContext) -> None:
    principal = ctx.principal
    principal.require_role(tool.required_role)
    if tool.scope == "action":
        principal.require_write()
        if not ctx.confirmed:
            raise Forbidden(f"{tool.name} changes things and needs the user's explicit confirmation")


async def _rate_limit(tool: Tool, ctx: ToolContext) -> None:
    p = ctx.principal
    window = int(time.time() // 60)
    key = f"rl:tool:{p.tenant_id}:{p.user_id}:{tool.name}:{window}"
    async with ctx.runtime.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, 61)
        count, _ = await pipe.execute()
    if int(count) > tool.rate_per_minute:
        raise RateLimited(f"{tool.name}: more than {tool.rate_per_minute} calls a minute; retry shortly")


def _validate(tool: Tool, arguments: dict[str, Any]) -> BaseModel:
    try:
        return tool.input_model.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "arguments"
        if first.get("type") == "extra_forbidden":
            raise InvalidInput(f"unknown argument {where!r} (the tenant always comes from the session)") from None
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')}") from None


async def _audit(tool: Tool | None, name: str, arguments: Any, result: ToolResult, ctx: ToolContext) -> None:
    p = ctx.principal
    stored = result.model_dump(mode="json", exclude={"latency_ms"})
    text = json.dumps(stored, ensure_ascii=False)
    cut = len(text) > AUDIT_RESULT_MAX_CHARS
    if cut:  # keep the row small but still JSON: the head of the result as a string
        stored = {
            "name": result.name,
            "ok": result.ok,
            "summary": result.summary,
            "preview": text[:AUDIT_RESULT_MAX_CHARS],
            "size_chars": len(text),
        }
    args_json = arguments if isinstance(arguments, dict) else {"raw": str(arguments)[:AUDIT_RESULT_MAX_CHARS]}
    try:
        async with ctx.runtime.pool.connection() as conn, conn.transaction():
            # No wait for the WAL flush (~1.5 ms a call): the row is durable within the WAL
            # writer's delay, and a crash can lose at most that window of audit rows.
            await conn.execute("SET LOCAL synchronous_commit TO off")
            await conn.execute(
                "INSERT INTO tool_calls (tool, version, tenant_id, user_id, roles, is_demo, request_id, session_id,"
                " turn_id, arguments, result, truncated, outcome, error_code, latency_ms)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s::jsonb,%s,%s,%s,%s)",
                (
                    tool.name if tool else name[:100],
                    tool.version if tool else 0,
                    p.tenant_id,
                    p.user_id,
                    list(p.roles),
                    p.demo,
                    ctx.request_id,
                    ctx.session_id,
                    ctx.turn_id,
                    json.dumps(args_json, ensure_ascii=False, default=str),
                    json.dumps(stored, ensure_ascii=False),
                    cut or result.truncated,
                    "ok" if result.ok else "error",
                    result.error["code"] if result.error else None,
                    result.latency_ms,
                ),
            )
    except Exception:  # noqa: BLE001 - the caller still gets its answer; the gap is logged loudly
        log.error("tool audit write failed", extra={"tool": name, "tenant": p.tenant_id})
