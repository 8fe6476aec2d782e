"""A chat turn with screenshots: each is reconciled by the `reconcile_screenshot` tool (audited,
shown as a tool step) before the model answers; the model then gets the results as if it had
asked for them, with a note on how to cite them."""

from __future__ import annotations

import uuid
from typing import Any

from ..agent.events import ToolCallEvent
from ..agent.loop import ToolTrace, assistant_tool_message, run_tools, tool_message
from ..llm.types import ToolCall

MAX_SCREENSHOTS = 4  # read per turn; more are still shown to a vision model, not reconciled
READ_TIMEOUT_S = 45.0  # a vision model reads twice (kind, then content)
NOTE = (
    "The user's screenshots were read and compared with their data by reconcile_screenshot (results above). "
    'Figures under `screenshot` were read off the image: say so ("on your screenshot"); figures under `data` are '
    "InfraZen's. Cite both sides with currency and period, explain each mismatch with its likely reason, name lines "
    "the data does not know, and say when a reading has low confidence. Never correct a figure the image shows."
)


async def read_screenshots(
    registry: Any, ctx: Any, images: list[str], emit: Any, turn_id: str
) -> list[tuple[ToolCall, ToolTrace]]:
    calls = [
        ToolCall(f"shot_{uuid.uuid4().hex[:10]}", "reconcile_screenshot", {"upload_id": upload_id})
        for upload_id in images[:MAX_SCREENSHOTS]
    ]
    for call in calls:
        emit(ToolCallEvent(turn_id=turn_id, call_id=call.id, name=call.name, arguments=call.arguments))
    traces = await run_tools(registry, calls, ctx, emit, turn_id, READ_TIMEOUT_S)
    return list(zip(calls, traces, strict=True))


def screenshot_messages(shots: list[tuple[ToolCall, ToolTrace]]) -> list[dict[str, Any]]:
    if not shots:
        return []
    calls = [call for call, _ in shots]
    out = [assistant_tool_message("", calls, [])]
    out += [tool_message(call.id, call.name, trace, truncated=False) for call, trace in shots]
    out.append({"role": "system", "content": NOTE})
    return out
