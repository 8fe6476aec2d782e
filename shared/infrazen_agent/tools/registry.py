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
from dataclasses import dataclass, replace
from typing import Any, Literal

import psycopg
from pydantic import BaseModel, ValidationError

from ..auth import Principal
from ..batching import Batcher
from ..errors import AgentError, Forbidden, InvalidInput, NotFound, RateLimited, UpstreamTimeout, is_dependency_error
from ..guard.text import has_control_chars, refuse_control_chars, scrubbed
from ..metrics import TOOL_CALLS, TOOL_LATENCY
from ..runtime import Runtime
from .shared_reads import SharedReads

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
    action_id: str | None = None  # the confirmed action being run
    # The tools a chat offers its model: a call to any other (a model obeying an instruction
    # injected into tenant data, say) is refused and audited. None: every tool (the tool API).
    allowed_tools: frozenset[str] | None = None
    # Set by a caller that awaits `AuditWrites.flush()` before it answers: audit rows are then
    # written while it goes on (or, held, at its flush) instead of before each batch returns.
    audits: AuditWrites | None = None
    # Point reads shared by the calls of one batch; set by `call_many` only, fresh per batch.
    reads: SharedReads | None = None
    # The request was admitted once as a whole (a chat turn, a recommendation text): its tool
    # calls are not counted against the per-tool limits again.
    admitted: bool = False


class AuditWrites:
    """A request's audit writes. `flush` waits for all of them, so every row is in the table
    before the request answers; a cancelled request does not cancel them.

    By default each batch's rows are written at once, while the caller goes on (e.g. during the
    model call), and a write that fails is logged, never raised. `held=True` keeps them until
    `flush`, which writes all of them in one INSERT: a chat turn writes its tool rounds' rows
    together with its answer, not between its model calls, where every turn of a burst is waiting
    for its next token. A held flush that finds Postgres away keeps the rows and raises, so the
    caller retries them with what it stores alongside."""

    def __init__(self, *, held: bool = False) -> None:
        self.held = held
        self._writes: set[asyncio.Task[None]] = set()
        self._rows: list[tuple[_Pending, ToolResult]] = []
        self._ctx: ToolContext | None = None

    def add(self, pending: Sequence[_Pending], results: Sequence[ToolResult], ctx: ToolContext) -> None:
        if not self.held:
            self._writes.add(asyncio.ensure_future(_audit(pending, results, ctx)))
            return
        self._rows.extend(zip(pending, results, strict=True))
        self._ctx = ctx  # the rows' who and where: the same for every batch of one request

    async def flush(self) -> None:
        while self._writes:
            writes, self._writes = self._writes, set()
            await asyncio.wait(writes)
        if not self._rows or self._ctx is None:
            return
        rows, self._rows = self._rows, []
        try:
            await _audit([p for p, _ in rows], [r for _, r in rows], self._ctx, raise_away=True)
        except BaseException:
            self._rows[:0] = rows  # Postgres away (or the flush cancelled): kept for the next flush
            raise


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
    rate_limit: int | None = None  # None: TOOL_RATE_LIMITS decides (guard/rate.py)
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
            "rate_limit_per_window": self.rate_limit,  # None: the configured limit
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
        return (await self.call_many([(name, arguments)], ctx))[0]

    async def call_many(self, calls: Sequence[tuple[str, dict[str, Any] | str]], ctx: ToolContext) -> list[ToolResult]:
        """Several calls as one round: each is checked, rate-limited, validated, run (concurrently),
        mapped to a result and audited exactly like `call`, but the batch costs one Redis round
        trip for the rate limits and one INSERT for its audit rows, and its calls share point
        reads (`SharedReads`). The rows are written before this returns, or, with `ctx.audits`,
        before the caller's `flush`. Results come back in the order of `calls`."""
        started = time.perf_counter()
        ctx = replace(ctx, reads=SharedReads())
        pending = [self._admit(name, arguments, ctx) for name, arguments in calls]
        await _rate_limit([p for p in pending if p.result is None], ctx)
        results = await asyncio.gather(*(_run(p, ctx, started) for p in pending))
        if ctx.audits is not None:
            ctx.audits.add(pending, results, ctx)
        else:
            await _audit(pending, results, ctx)
        return list(results)

    def _admit(self, name: str, arguments: dict[str, Any] | str, ctx: ToolContext) -> _Pending:
        """What can be decided before any I/O: the tool, the arguments as JSON, the caller's scope."""
        pending = _Pending(name=name, tool=self.resolve(name), arguments=arguments)
        try:
            if pending.tool is None:
                raise NotFound(f"unknown tool {name!r}; known: {', '.join(self.names())}")
            pending.parsed = _parse_arguments(arguments)
            _check_scope(pending.tool, ctx)
        except AgentError as exc:
            pending.result = _failure(pending.tool, name, error_code(exc), exc.message)
        except Exception:
            log.exception("tool failed", extra={"tool": name})
            pending.result = _failure(pending.tool, name, "internal_error", "the tool failed; the error was logged")
        return pending


@dataclass
class _Pending:
    """One call of a batch on its way; `result` is set as soon as its outcome is known."""

    name: str
    tool: Tool | None
    arguments: dict[str, Any] | str
    parsed: dict[str, Any] | None = None
    result: ToolResult | None = None


async def _run(p: _Pending, ctx: ToolContext, started: float) -> ToolResult:
    result = p.result
    if result is None:
        assert p.tool is not None and p.parsed is not None
        tool = p.tool
        try:
            args = _validate(tool, p.parsed)
            rec = getattr(args, "recommendation_id", None)
            if rec is not None and not ctx.principal.allows_recommendation(rec):
                raise NotFound(f"recommendation {rec} not found")  # the same answer as another tenant's
            try:
                output, summary = await asyncio.wait_for(tool.handler(ctx, args), tool.timeout_s)
            except TimeoutError:
                raise UpstreamTimeout(f"{tool.name} took longer than {tool.timeout_s:g}s") from None
            data, truncated = _shrink(output.model_dump(mode="json"), tool.max_output_chars)
            result = ToolResult(name=tool.versioned_name, ok=True, data=data, summary=summary, truncated=truncated)
        except AgentError as exc:
            result = _failure(tool, p.name, error_code(exc), exc.message)
        except Exception as exc:
            if is_dependency_error(exc):  # Postgres or Redis away: retryable, not a bug
                log.warning("tool failed: dependency unavailable", extra={"tool": p.name, "error": type(exc).__name__})
                result = _failure(tool, p.name, "unavailable", "a dependency is unavailable for a moment; retry")
            else:
                log.exception("tool failed", extra={"tool": p.name})
                result = _failure(tool, p.name, "internal_error", "the tool failed; the error was logged")
    elapsed = time.perf_counter() - started
    result.latency_ms = round(elapsed * 1000, 2)
    p.result = result
    label = p.tool.name if p.tool is not None else "_unknown"  # a name the model made up is no label
    TOOL_CALLS.labels(label, "ok" if result.ok else str((result.error or {}).get("code", "error"))).inc()
    TOOL_LATENCY.labels(label).observe(elapsed)
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
    refuse_control_chars(arguments, "arguments")
    return arguments


def _check_scope(tool: Tool, ctx: ToolContext) -> None:
    if ctx.allowed_tools is not None and tool.name not in ctx.allowed_tools:
        raise Forbidden(f"{tool.name} is not one of this chat's tools")
    principal = ctx.principal
    principal.require_role(tool.required_role)
    if tool.scope == "action":
        principal.require("action")
        if not ctx.confirmed:
            raise Forbidden(f"{tool.name} changes things and needs the user's explicit confirmation")


# INCR + EXPIRE of each key, atomically, in one round trip with one reply (a MULTI/EXEC pipeline
# costs a reply per command; this is ~2x cheaper for a batch of four). A key given twice counts twice.


async def _rate_limit(admitted: Sequence[_Pending], ctx: ToolContext) -> None:
    """Count each call against its per-user, per-tool limit (sliding window, guard/rate.py), the
    whole batch in one round trip; two calls of one tool count twice, in order, as two separate
    calls would. A request admitted as a whole (`ctx.admitted`) is not counted again."""
    if not admitted or ctx.admitted:
        return
    from ..guard.rate import take, tool_limit, top_role

    p, settings = ctx.principal, ctx.runtime.settings
    role = top_role(p)
    tools: list[Tool] = []
    for call in admitted:
        assert call.tool is not None  # admitted: the tool exists
        tools.append(call.tool)
    names = [
        (f"tool:{p.tenant_id}:{p.user_id}:{t.name}", tool_limit(settings.tool_rate_limits, t.name, role, t.rate_limit))
        for t in tools
    ]
    try:
        decisions = await take(ctx.runtime.redis, names, settings.tool_rate_window_s)
    except Exception as exc:
        away = is_dependency_error(exc)  # Redis away: retryable, not a bug
        log.log(
            logging.WARNING if away else logging.ERROR,
            "tool rate limit unavailable",
            exc_info=not away,
            extra={"tools": [call.name for call in admitted]},
        )
        code, message = (
            ("unavailable", "a dependency is unavailable for a moment; retry")
            if away
            else ("internal_error", "the tool failed; the error was logged")
        )
        for call in admitted:
            call.result = _failure(call.tool, call.name, code, message)
        return
    window = settings.tool_rate_window_s
    for call, tool, decision in zip(admitted, tools, decisions, strict=True):
        if not decision.admitted:
            limited = RateLimited(
                f"{tool.name}: more than {decision.limit} calls in {window} s; retry in {decision.retry_after_s} s"
            )
            call.result = _failure(tool, call.name, error_code(limited), limited.message)


def _validate(tool: Tool, arguments: dict[str, Any]) -> BaseModel:
    try:
        return tool.input_model.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "arguments"
        if first.get("type") == "extra_forbidden":
            raise InvalidInput(f"unknown argument {where!r} (the tenant always comes from the session)") from None
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')}") from None


# One statement for many rows, sent as one JSON document (array parameters would make the
# driver escape every JSON text again). Each row carries its own who and where (tenant, user, the
# request): rows of concurrent requests share the statement (`_audit_log`), and a row's tenant is
# always its own request's principal. `set_config(…, true)` turns off the wait for the WAL flush
# (~1 ms) for this statement's own transaction only, as SET LOCAL did inside BEGIN … COMMIT but
# without those round trips: a crash can lose at most the WAL writer's delay of audit rows. The
# SQL text is the same for every batch size, so it is prepared once per connection.
_AUDIT_SQL = """
INSERT INTO tool_calls (tool, version, tenant_id, user_id, roles, is_demo, request_id, session_id, turn_id,
                        arguments, result, truncated, outcome, error_code, latency_ms)
SELECT c.tool, c.version, c.tenant_id, c.user_id, ARRAY(SELECT jsonb_array_elements_text(c.roles)), c.is_demo,
       c.request_id, c.session_id, c.turn_id, c.arguments, c.result, c.truncated, c.outcome, c.error_code,
       c.latency_ms
  FROM jsonb_to_recordset(%(rows)s::jsonb) AS c(tool text, version int, tenant_id text, user_id text, roles jsonb,
                                                is_demo bool, request_id text, session_id text, turn_id text,
                                                arguments jsonb, result jsonb, truncated bool, outcome text,
                                                error_code text, latency_ms float8)
 WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL
"""


def _who(ctx: ToolContext) -> dict[str, Any]:
    """Who called, and from where: from the context's verified principal only."""
    p = ctx.principal
    return {
        "tenant_id": p.tenant_id,
        "user_id": p.user_id,
        "roles": list(p.roles),
        "is_demo": p.demo,
        "request_id": ctx.request_id,
        "session_id": ctx.session_id,
        "turn_id": ctx.turn_id,
    }


def _audit_row(p: _Pending, result: ToolResult, who: dict[str, Any]) -> dict[str, Any]:
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
    arguments = p.parsed if p.parsed is not None else p.arguments
    if has_control_chars(arguments):  # refused above; still audited, in a form Postgres stores
        arguments = scrubbed(arguments)
    return {
        **who,
        "tool": p.tool.name if p.tool else p.name[:100],
        "version": p.tool.version if p.tool else 0,
        "arguments": arguments if isinstance(arguments, dict) else {"raw": str(arguments)[:AUDIT_RESULT_MAX_CHARS]},
        "result": stored,
        "truncated": cut or result.truncated,
        "outcome": "ok" if result.ok else "error",
        "error_code": result.error["code"] if result.error else None,
        "latency_ms": result.latency_ms,
    }


def _audit_log(runtime: Runtime) -> Batcher[list[dict[str, Any]], None]:
    """The process's audit writer: concurrent requests' rows share INSERTs (`Batcher`)."""
    writer = runtime.services.get("tool_audit")
    if not isinstance(writer, Batcher):

        async def write(batches: Sequence[list[dict[str, Any]]]) -> list[None]:
            await _insert_audit(runtime, [row for rows in batches for row in rows])
            return [None] * len(batches)

        writer = runtime.services["tool_audit"] = Batcher("tool audit", write)
    return writer


async def _audit(
    pending: Sequence[_Pending], results: Sequence[ToolResult], ctx: ToolContext, *, raise_away: bool = False
) -> None:
    """One audit row per call, written with other requests' waiting rows (`_audit_log`). If this
    request's rows are refused (e.g. a NUL character in one row's JSON), each is tried alone so
    that only a bad row goes missing. `raise_away`: Postgres being away raises (the caller keeps
    the rows) instead of being logged."""
    who = _who(ctx)
    rows = [_audit_row(call, result, who) for call, result in zip(pending, results, strict=True)]
    try:
        await _audit_log(ctx.runtime).submit(rows)
        return
    except Exception as exc:  # noqa: BLE001 - sorted below: away, refused data, anything else
        failures = [exc]
    if isinstance(failures[0], psycopg.DataError | UnicodeError) and len(rows) > 1:
        failures = []  # only when the data was refused: an outage would just fail once per row
        for row in rows:
            try:
                await _insert_audit(ctx.runtime, [row])
            except Exception as exc:  # noqa: BLE001 - that row's own failure
                failures.append(exc)
    for failure in failures:
        if raise_away and is_dependency_error(failure):
            raise failure
        log.error("tool audit write failed", extra={"tools": [r["tool"] for r in rows], "tenant": who["tenant_id"]})


async def _insert_audit(runtime: Runtime, rows: list[dict[str, Any]]) -> None:
    async with runtime.pool.connection() as conn:
        await conn.execute(_AUDIT_SQL, {"rows": json.dumps(rows, ensure_ascii=False, default=str)})
