"""The chat event model (DESIGN §4): the frames a client sends and the events the server emits.

Every event of a turn carries its `turn_id`. A turn always ends with exactly one terminal event:
`message` (status `complete`, or `cancelled` with the partial text) or `error` (the turn failed;
what was produced is stored as incomplete). WebSocket and SSE carry the same JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from ..guard.text import has_control_chars

MAX_CONTENT_CHARS = 8000
MAX_ATTACHMENTS = 4

# --- client -> server ----------------------------------------------------------------------


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ClientMessage(_Frame):
    type: Literal["message"] = "message"
    content: str = Field(default="", max_length=MAX_CONTENT_CHARS)
    attachments: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    client_message_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")

    @field_validator("content", "attachments")
    @classmethod
    def _no_control_chars(cls, value: object) -> object:
        if has_control_chars(value):
            raise ValueError("control characters (such as NUL) are not allowed")
        return value


class ClientCancel(_Frame):
    type: Literal["cancel"]
    turn_id: str | None = None


class ClientPing(_Frame):
    type: Literal["ping"]


class ClientConfirm(_Frame):
    type: Literal["confirm"]
    action_id: str
    approve: bool


class ClientAuth(_Frame):
    type: Literal["auth"]
    token: str


ClientFrame = Annotated[
    ClientMessage | ClientCancel | ClientPing | ClientConfirm | ClientAuth, Field(discriminator="type")
]
CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)

# --- server -> client ----------------------------------------------------------------------


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cost_usd = round(self.cost_usd + cost_usd, 8)


class Event(BaseModel):
    type: str
    turn_id: str | None = None

    @property
    def terminal(self) -> bool:
        return False


class Ready(Event):
    type: Literal["ready"] = "ready"
    session_id: str
    scope: str
    mode: str  # "online" | "offline"
    history: list[dict[str, Any]]
    turn_in_progress: str | None = None
    # Messages waiting behind the running turn, oldest first: {turn_id, content, client_message_id}.
    queued: list[dict[str, Any]] = Field(default_factory=list)


class TurnStarted(Event):
    """Not in the first contract draft: lets every connection of a session (and a reconnecting
    client) see the user message that started a turn, and learn the turn id to cancel it."""

    type: Literal["turn_started"] = "turn_started"
    message_id: str
    content: str
    client_message_id: str | None = None
    attachments: list[str] = Field(default_factory=list)


class TurnQueued(Event):
    """A message sent while another turn of the session runs (another tab, or typed ahead): it
    waits its turn (`position` 1 is next) and is answered in order; `turn_started` follows."""

    type: Literal["turn_queued"] = "turn_queued"
    content: str
    position: int
    client_message_id: str | None = None
    attachments: list[str] = Field(default_factory=list)


class Delta(Event):
    type: Literal["delta"] = "delta"
    text: str


class ToolCallEvent(Event):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: dict[str, Any] | str


class ToolResultEvent(Event):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    ok: bool
    summary: str
    error_code: str | None = None


class Message(Event):
    type: Literal["message"] = "message"
    message_id: str
    content: str
    status: Literal["complete", "cancelled"] = "complete"
    incomplete: bool = False
    usage: Usage
    model: str
    mode: Literal["online", "offline"]
    grounding: dict[str, Any]
    client_message_id: str | None = None
    replayed: bool = False
    # The content differs from the streamed deltas (figures corrected or marked): replace them.
    revised: bool = False

    @property
    def terminal(self) -> bool:
        return True


class ErrorEvent(Event):
    type: Literal["error"] = "error"
    code: str
    message: str
    retryable: bool = False

    @property
    def terminal(self) -> bool:
        # An error about a turn ends it; an error about a frame (no turn) does not.
        return self.turn_id is not None


class ConfirmRequired(Event):
    type: Literal["confirm_required"] = "confirm_required"
    action_id: str
    name: str
    arguments: dict[str, Any]
    preview: str


class ActionResult(Event):
    """The outcome of the user's answer to a `confirm_required`: rejected, executed or failed."""

    type: Literal["action_result"] = "action_result"
    action_id: str
    status: str
    summary: str
    result: dict[str, Any] | None = None


class ReportEvent(Event):
    """A report the user asked for in this chat: sent when its job starts and when it ends."""

    type: Literal["report"] = "report"
    report_id: str
    status: Literal["queued", "running", "ready", "failed"]
    persona: str | None = None
    time_range: str | None = None
    title: str | None = None
    links: dict[str, str] = Field(default_factory=dict, description="status, and each file once ready")
    error: dict[str, str] | None = None


class Pong(Event):
    type: Literal["pong"] = "pong"


class Envelope:
    """An event serialized once, with what fan-out and SSE need to route it without parsing."""

    __slots__ = ("json", "terminal", "turn_id", "type")

    def __init__(self, type: str, turn_id: str | None, json: str, terminal: bool):
        self.type = type
        self.turn_id = turn_id
        self.json = json
        self.terminal = terminal

    @classmethod
    def of(cls, event: Event) -> Envelope:
        return cls(event.type, event.turn_id, event.model_dump_json(), event.terminal)

    def sse(self) -> str:
        return f"event: {self.type}\ndata: {self.json}\n\n"
