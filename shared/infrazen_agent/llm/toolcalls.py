"""Tool calls rebuilt from streamed fragments (id + name first, then argument pieces by index)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .types import ToolCall, ToolCallInvalid


@dataclass
class _Partial:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


def field_of(obj: Any, key: str) -> Any:
    """A field of a chunk, message or tool call: LiteLLM gives objects, raw OpenAI JSON dicts."""
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def parse_arguments(raw: str) -> dict[str, Any] | str:
    """The arguments as a dict, or the reason they are unusable."""
    if not raw.strip():
        return {}  # some models send nothing for a tool without parameters
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"arguments are not valid JSON: {exc.msg} at position {exc.pos}"
    if not isinstance(value, dict):
        return f"arguments must be a JSON object, got {type(value).__name__}"
    return value


def arguments_object(raw: Any) -> dict[str, Any]:
    """Arguments for an API that wants an object (Anthropic, GigaChat, Ollama): a dict as it is,
    a JSON string parsed, anything unusable as {}."""
    if isinstance(raw, dict):
        return raw
    parsed = parse_arguments(raw if isinstance(raw, str) else "")
    return parsed if isinstance(parsed, dict) else {}


class ToolCallAssembler:
    def __init__(self) -> None:
        self._calls: dict[int, _Partial] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, fragment: Any) -> None:
        index = field_of(fragment, "index")
        slot = self._calls.setdefault(int(index) if index is not None else len(self._calls), _Partial())
        if call_id := field_of(fragment, "id"):
            slot.id = call_id
        function = field_of(fragment, "function")
        if function is not None:
            # The name normally comes whole in the first fragment; a few servers repeat it.
            if (name := field_of(function, "name")) and name != slot.name:
                slot.name += name
            if arguments := field_of(function, "arguments"):
                slot.arguments.append(arguments)

    def finish(self) -> tuple[list[ToolCall], list[ToolCallInvalid]]:
        ready: list[ToolCall] = []
        invalid: list[ToolCallInvalid] = []
        for _, part in sorted(self._calls.items()):
            call_id = part.id or f"call_{uuid.uuid4().hex[:12]}"
            raw = "".join(part.arguments)
            parsed = parse_arguments(raw)
            if not part.name:
                invalid.append(ToolCallInvalid(call_id, "", raw, "tool call without a function name"))
            elif isinstance(parsed, str):
                invalid.append(ToolCallInvalid(call_id, part.name, raw, parsed))
            else:
                ready.append(ToolCall(call_id, part.name, parsed))
        return ready, invalid

    @classmethod
    def from_message(cls, tool_calls: Any) -> ToolCallAssembler:
        """The same validation for a non-streamed message's complete tool calls."""
        assembler = cls()
        for index, call in enumerate(tool_calls or []):
            function = field_of(call, "function")
            assembler.add(
                {
                    "index": index,
                    "id": field_of(call, "id"),
                    "function": {"name": field_of(function, "name"), "arguments": field_of(function, "arguments")},
                }
            )
        return assembler
