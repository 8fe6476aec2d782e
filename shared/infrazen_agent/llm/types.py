"""What the gateway takes and gives: call metadata, tool calls, usage, stream events, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Unavailable


@dataclass(frozen=True)
class CallMeta:
    """Who a call is for; `tenant_id` always comes from the verified Principal."""

    tenant_id: str
    user_id: str
    scenario: str  # "recommendation_text" | "chat_recommendation" | "chat_analytics" | ...
    session_id: str | None = None
    turn_id: str | None = None
    request_id: str | None = None
    # The turn's placeholders for personal data (guard/pii.py): one per turn, shared by its calls.
    redactor: Any = field(default=None, compare=False, repr=False)
    # Shared by the steps of one agent loop: admitted once (see Admission).
    admission: Admission | None = field(default=None, compare=False, repr=False)


@dataclass
class Admission:
    """The admission of one agent loop's model calls (a chat turn's steps). Its first call is
    admitted as every call is (rate, budget, cooldowns: one Redis round trip); its later steps
    follow on it and only skip models this process knows are cooling down. The turn counted once
    against the rate limit already, and a step between tool calls is not the place to stop an
    answer for the budget: the next turn, or this turn's re-ask (its own admission), is."""

    admitted: bool = False


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cost_source: str = "unknown"  # "provider" | "price_table" | "litellm" | "unknown"


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallsReady:
    """The complete, parsed tool calls of one model step."""

    calls: list[ToolCall]


@dataclass(frozen=True)
class ToolCallInvalid:
    """A tool call whose arguments are not a JSON object: report it, never execute it."""

    id: str
    name: str
    raw_arguments: str
    error: str


@dataclass(frozen=True)
class Done:
    content: str
    usage: Usage
    model: str
    fallback_used: bool
    ttft_ms: float | None
    latency_ms: float
    finish_reason: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    invalid_tool_calls: list[ToolCallInvalid] = field(default_factory=list)
    retries: int = 0


StreamEvent = TextDelta | ToolCallsReady | ToolCallInvalid | Done


class LLMUnavailable(Unavailable):
    """No model answered (offline, every model failing or cooling down)."""

    code = "llm_unavailable"


class LLMStreamError(LLMUnavailable):
    """The stream broke after some deltas were delivered: the partial answer is not a message."""

    code = "llm_stream_error"
