"""The tool-calling loop over the real gateway (scripted model server) and the real tool registry:
it stops after its step bound and when the turn's token budget is spent, and the last allowed
step is offered no tools."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from infrazen_agent.agent.events import Event
from infrazen_agent.agent.loop import AgentLoop, TurnState
from infrazen_agent.agent.prompt import FINAL_STEP_NOTE, build_messages
from infrazen_agent.auth import Principal
from infrazen_agent.llm import CallMeta
from infrazen_agent.tools import ToolContext, get_registry
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

ALWAYS_A_TOOL = Reply(tool_calls=[ScriptedToolCall("get_user_context", "{}")], usage=(50, 5))


async def _run(make_gateway: Callable[..., Awaitable[Any]], **loop_kw: Any) -> tuple[TurnState, list[Event]]:
    gateway = await make_gateway()
    principal = Principal(user_id="1001", tenant_id="1001")
    ctx = ToolContext(runtime=gateway.runtime, principal=principal)
    events: list[Event] = []
    state = TurnState()
    messages = build_messages(
        scope="analytics", language="ru", pack={"scope": "analytics"}, history=[], user_content="Кто я?"
    )
    registry = get_registry()
    await AgentLoop(gateway, registry, **loop_kw).run(
        messages,
        tool_specs=registry.specs(["get_user_context"]),
        tool_ctx=ctx,
        meta=CallMeta(tenant_id="1001", user_id="1001", scenario="chat_analytics", turn_id="turn_t"),
        emit=events.append,
        state=state,
    )
    return state, events


async def test_the_loop_is_bounded_and_the_last_step_gets_no_tools(
    make_gateway: Callable[..., Awaitable[Any]], llm_server: ScriptedLLMServer
) -> None:
    llm_server.default_reply = ALWAYS_A_TOOL
    state, events = await _run(make_gateway, max_steps=3)
    assert len(llm_server.requests) == 3 and state.steps == 3
    assert all("tools" in r for r in llm_server.requests[:2]) and "tools" not in llm_server.requests[2]
    assert llm_server.requests[2]["messages"][-1] == {"role": "system", "content": FINAL_STEP_NOTE}
    assert [e.type for e in events] == ["tool_call", "tool_result"] * 2
    assert [t.ok for t in state.tools] == [True, True]
    assert state.usage.prompt_tokens == 150 and all(e.turn_id == "turn_t" for e in events)


async def test_the_token_budget_ends_tool_use(
    make_gateway: Callable[..., Awaitable[Any]], llm_server: ScriptedLLMServer
) -> None:
    llm_server.script(
        Reply(tool_calls=[ScriptedToolCall("get_user_context", "{}")], usage=(9000, 10)),
        Reply(text="Вы — Анна.", usage=(9100, 5)),
    )
    state, _ = await _run(make_gateway, token_budget=5000)
    assert len(llm_server.requests) == 2 and "tools" not in llm_server.requests[1]
    assert state.content == "Вы — Анна." and state.model == "openai/scripted-text"
    tool_reply = json.loads(next(m for m in llm_server.requests[1]["messages"] if m["role"] == "tool")["content"])
    assert tool_reply["tool_output"]["data"]["tenant_id"] == "1001"


async def test_text_of_several_steps_is_kept_apart(
    make_gateway: Callable[..., Awaitable[Any]], llm_server: ScriptedLLMServer
) -> None:
    llm_server.script(
        Reply(text="Смотрю данные.", tool_calls=[ScriptedToolCall("get_user_context", "{}")]), Reply(text="Готово.")
    )
    state, events = await _run(make_gateway)
    assert state.content == "Смотрю данные.\n\nГотово."
    assert "".join(e.text for e in events if e.type == "delta") == state.content  # type: ignore[attr-defined]
