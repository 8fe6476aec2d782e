"""The tool-calling loop: a few bounded model steps over the gateway, no framework.

Each step streams the model; text goes out as `delta` events at once; the tool calls of a step
run concurrently and their results go back to the model as JSON envelopes marked as data. The
loop stops when the model answers without tools, after `max_steps` model calls, or when the
token budget of the turn is spent; the last allowed step is offered no tools, so it must answer.

The loop keeps what it produced in a `TurnState` owned by the caller, so a turn that is
cancelled or fails half-way can still store its partial text and tool trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..llm.types import CallMeta, Done, TextDelta, ToolCall, ToolCallInvalid, ToolCallsReady
from .events import Delta, Event, ToolCallEvent, ToolResultEvent, Usage
from .prompt import FINAL_STEP_NOTE, data_envelope

MAX_STEPS = 6
TOKEN_BUDGET = 24_000  # prompt + completion tokens summed over the steps of one turn
TOOL_TIMEOUT_S = 20.0
MAX_TOOL_CHARS = 8_000  # per tool result sent back to the model

Emit = Callable[[Event], None]


class ModelGateway(Protocol):
    def stream(
        self,
        messages: list[dict[str, Any]],
        *,
        meta: CallMeta,
        tools: list[dict[str, Any]] | None = None,
        images: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[TextDelta | ToolCallsReady | ToolCallInvalid | Done]: ...


class ToolRunner(Protocol):
    async def call(self, name: str, arguments: dict[str, Any] | str, ctx: Any) -> Any: ...


@dataclass
class ToolTrace:
    call_id: str
    name: str
    arguments: dict[str, Any] | str
    ok: bool = False
    summary: str = ""
    error: dict[str, str] | None = None
    data: dict[str, Any] | None = None
    latency_ms: float = 0.0

    def public(self) -> dict[str, Any]:
        """What the transcript keeps (the data itself is re-derivable from the tools)."""
        return {
            "call_id": self.call_id,
            "name": self.name,
            "arguments": self.arguments,
            "ok": self.ok,
            "summary": self.summary,
            "error": self.error,
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass
class TurnState:
    text_parts: list[str] = field(default_factory=list)
    tools: list[ToolTrace] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    steps: int = 0
    step_output: bool = False  # did the current step already stream something?
    fallback_used: bool = False

    @property
    def content(self) -> str:
        return "".join(self.text_parts)


def tool_message(call_id: str, name: str, result: ToolTrace, truncated: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"call_id": call_id, "tool": name, "ok": result.ok, "summary": result.summary}
    if result.ok:
        body["data"] = result.data
    else:
        body["error"] = result.error
    text = data_envelope("tool_output", body)
    if len(text) > MAX_TOOL_CHARS or truncated:
        # Never cut silently: the model is told the data is partial and how to get the rest.
        body["data"] = json.dumps(result.data, ensure_ascii=False, default=str)[: MAX_TOOL_CHARS // 2]
        body["truncated"] = True
        body["truncation_note"] = (
            "data is cut short; ask the tool a narrower question for the rest, "
            "and do not quote numbers from the cut part"
        )
        text = data_envelope("tool_output", body)
    return {"role": "tool", "tool_call_id": call_id, "content": text}


class AgentLoop:
    def __init__(
        self,
        gateway: ModelGateway,
        tools: ToolRunner,
        *,
        max_steps: int = MAX_STEPS,
        token_budget: int = TOKEN_BUDGET,
        tool_timeout_s: float = TOOL_TIMEOUT_S,
    ):
        self.gateway = gateway
        self.tools = tools
        self.max_steps = max_steps
        self.token_budget = token_budget
        self.tool_timeout_s = tool_timeout_s

    async def run(
        self,
        messages: list[dict[str, Any]],
        *,
        tool_specs: Sequence[dict[str, Any]],
        tool_ctx: Any,
        meta: CallMeta,
        emit: Emit,
        state: TurnState,
        images: bool = False,
    ) -> TurnState:
        turn_id = meta.turn_id
        for step in range(1, self.max_steps + 1):
            state.steps = step
            spent = state.usage.prompt_tokens + state.usage.completion_tokens
            final = step == self.max_steps or spent >= self.token_budget
            if final and step > 1:
                messages.append({"role": "system", "content": FINAL_STEP_NOTE})
            calls, invalid, step_text = await self._step(
                messages,
                tools=None if final or not tool_specs else list(tool_specs),
                meta=meta,
                emit=emit,
                state=state,
                images=images,
            )
            if not calls and not invalid:
                return state
            if final:  # a model that still asks for tools gets no more; keep what it said
                return state
            messages.append(assistant_tool_message(step_text, calls, invalid))
            for call in calls:
                emit(ToolCallEvent(turn_id=turn_id, call_id=call.id, name=call.name, arguments=call.arguments))
            for bad in invalid:
                emit(ToolCallEvent(turn_id=turn_id, call_id=bad.id, name=bad.name, arguments=bad.raw_arguments))
            traces = await run_tools(self.tools, calls, tool_ctx, emit, turn_id, self.tool_timeout_s)
            state.tools.extend(traces)
            for call, trace in zip(calls, traces, strict=True):
                messages.append(tool_message(call.id, call.name, trace, truncated=False))
            for bad in invalid:
                trace = ToolTrace(
                    bad.id,
                    bad.name,
                    bad.raw_arguments,
                    ok=False,
                    summary="arguments were not valid JSON; nothing was run",
                    error={"code": "invalid_input", "message": bad.error},
                )
                state.tools.append(trace)
                emit(
                    ToolResultEvent(
                        turn_id=turn_id,
                        call_id=bad.id,
                        name=bad.name,
                        ok=False,
                        summary=trace.summary,
                        error_code="invalid_input",
                    )
                )
                messages.append(tool_message(bad.id, bad.name, trace, truncated=False))
        return state

    async def _step(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None,
        meta: CallMeta,
        emit: Emit,
        state: TurnState,
        images: bool,
    ) -> tuple[list[ToolCall], list[ToolCallInvalid], str]:
        calls: list[ToolCall] = []
        invalid: list[ToolCallInvalid] = []
        step_text: list[str] = []
        state.step_output = False
        stream = self.gateway.stream(messages, meta=meta, tools=tools, images=images)
        async with contextlib.aclosing(stream):  # type: ignore[type-var]
            async for item in stream:
                if isinstance(item, TextDelta):
                    if not item.text:
                        continue
                    if not step_text and state.text_parts:
                        # A new step's text follows earlier text: keep the two apart.
                        state.text_parts.append("\n\n")
                        emit(Delta(turn_id=meta.turn_id, text="\n\n"))
                    step_text.append(item.text)
                    state.text_parts.append(item.text)
                    state.step_output = True
                    emit(Delta(turn_id=meta.turn_id, text=item.text))
                elif isinstance(item, ToolCallsReady):
                    calls.extend(item.calls)
                elif isinstance(item, ToolCallInvalid):
                    invalid.append(item)
                elif isinstance(item, Done):
                    state.usage.add(item.usage.prompt_tokens, item.usage.completion_tokens, item.usage.cost_usd)
                    state.model = item.model
                    state.fallback_used = state.fallback_used or item.fallback_used
        return calls, invalid, "".join(step_text)


async def run_tools(
    tools: ToolRunner,
    calls: Sequence[ToolCall],
    ctx: Any,
    emit: Emit,
    turn_id: str | None,
    timeout_s: float = TOOL_TIMEOUT_S,
) -> list[ToolTrace]:
    """Run a step's tool calls concurrently; every outcome (also a timeout or a crash) becomes a
    trace the model and the client are told about. Results are announced as each finishes."""

    async def one(call: ToolCall) -> ToolTrace:
        trace = ToolTrace(call.id, call.name, call.arguments)
        t0 = time.perf_counter()
        try:
            result = await asyncio.wait_for(tools.call(call.name, call.arguments, ctx), timeout_s)
            trace.ok, trace.summary = bool(result.ok), str(result.summary)
            trace.data, trace.error = result.data, result.error
            trace.name = str(result.name) or call.name
        except TimeoutError:
            trace.summary = f"{call.name} did not answer within {timeout_s:g} s"
            trace.error = {"code": "timeout", "message": trace.summary}
        except Exception as exc:  # noqa: BLE001 - the model is told; the turn goes on
            trace.summary = f"{call.name} failed"
            trace.error = {"code": "internal_error", "message": type(exc).__name__}
        trace.latency_ms = (time.perf_counter() - t0) * 1000
        emit(
            ToolResultEvent(
                turn_id=turn_id,
                call_id=call.id,
                name=call.name,
                ok=trace.ok,
                summary=trace.summary,
                error_code=(trace.error or {}).get("code"),
            )
        )
        return trace

    return list(await asyncio.gather(*(one(c) for c in calls)))


def assistant_tool_message(text: str, calls: list[ToolCall], invalid: list[ToolCallInvalid]) -> dict[str, Any]:
    tool_calls = [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
        }
        for c in calls
    ]
    tool_calls += [
        {"id": b.id, "type": "function", "function": {"name": b.name or "unknown", "arguments": b.raw_arguments}}
        for b in invalid
    ]
    return {"role": "assistant", "content": text or None, "tool_calls": tool_calls}
