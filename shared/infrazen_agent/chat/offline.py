"""Offline answers: no model, still useful. The router (chat/intents.py) reads what the question
asks for and about what; each intent names the tools that hold its facts, called with the
arguments the question implies (a range, a granularity, the recommendation types behind "idle");
the answer leads with the direct reply to the question (chat/leads.py), then each tool's key
figures in the user's language (wording/tool_lines.py), labelled as offline.

Every number in an offline answer is copied from a tool result, so it grounds fully.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..actions.flow import ChatTools
from ..agent.events import Delta, Event, ToolCallEvent
from ..agent.loop import ToolTrace, TurnState, run_tools
from ..agent.prompt import IMAGE_MARK
from ..agent.tool_specs import spec_by_name
from ..context.packs import fill_arguments, session_known
from ..knowledge.answer import OFFLINE_PASSAGES, passage_lines
from ..llm.types import ToolCall
from ..reports.ask import report_arguments
from ..screenshots.answer import reconciliation_lines
from ..tools.common import source_of
from ..wording import Lang
from ..wording.messages import message
from ..wording.tool_lines import tool_lines
from .intents import Entities, Intent, Route, month_span, route
from .leads import idle_line, lead_lines

Emit = Callable[[Event], None]


SCOPE_TOOLS = {
    "recommendation": (
        "get_recommendation",
        "get_resource",
        "get_latest_snapshot",
        "list_top_alternatives",
        "get_prices_for_skus",
        "estimate_migration_effort",
        "generate_step_plan",
        "get_user_context",
        "draft_change_plan",  # actions: proposed by the model, run after the user confirms
        "create_ticket",
        "reconcile_screenshot",  # run by the service on a turn with images (chat/service.py)
        "search_knowledge",  # offered for guidance questions only (chat/offer.py)
    ),
    "analytics": (
        "get_analytics_overview",
        "get_cost_trends",
        "get_service_breakdown",
        "get_provider_breakdown",
        "get_anomalies",
        "summarize_top_recommendations",
        "get_recommendation",
        "get_resource",
        "get_user_context",
        "reconcile_screenshot",
        "search_knowledge",
        "forecast_costs",
        "create_report",  # an action: proposed, run after the user confirms
    ),
}
_SHOT_ERRORS = {"unavailable": "unavailable", "not_found": "not_found", "timeout": "timeout"}
# The tools that take a range ("last N days"): a range the question names overrides the session's.
_RANGE_TOOLS = frozenset(
    {"get_analytics_overview", "get_cost_trends", "get_service_breakdown", "get_provider_breakdown", "get_anomalies"}
)
_DEFAULT_TOOL = {"recommendation": "get_recommendation", "analytics": "get_analytics_overview"}


def scope_tools(scope: str, registry: Any) -> list[str]:
    """The tools the model is offered in a scope (those the registry has)."""
    available = set(registry.names())
    return [t for t in SCOPE_TOOLS.get(scope, ()) if t in available]


def _known(session: Any, pack: dict[str, Any]) -> dict[str, Any]:
    known = session_known(session.recommendation_id, session.time_range)
    known.update(pack.get("ids") or {})
    if pack.get("_skus"):
        known["skus"] = pack["_skus"]
    return known


def _call(name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(f"off_{uuid.uuid4().hex[:10]}", name, arguments)


def _arguments(tool: str, spec: Any, known: dict[str, Any], found: Entities) -> dict[str, Any] | None:
    """A tool's arguments: what the session knows, then what the question names."""
    args = fill_arguments(spec, known)
    if args is None:
        return None
    if tool in _RANGE_TOOLS and found.span:  # a calendar month named (or "last month"): its own days
        args.pop("days", None)
        args["start"], args["end"] = (d.isoformat() for d in found.span)
        if tool == "get_cost_trends" and not found.granularity:
            args["granularity"] = "week"
    elif tool in _RANGE_TOOLS and found.days:
        args.pop("start", None)
        args.pop("end", None)
        args["days"] = found.days
        if tool == "get_cost_trends" and not found.granularity:
            args["granularity"] = "day" if found.days <= 14 else "week" if found.days <= 120 else "month"
    if tool == "get_cost_trends":
        if found.granularity:
            args["granularity"] = found.granularity
        if found.group_by:
            args["group_by"] = found.group_by
    if tool in ("get_service_breakdown", "get_provider_breakdown") and (found.services or found.providers):
        args["limit"] = 20  # the one asked about must be in the list, not summed into "other"
    if tool == "estimate_migration_effort" and args.get("recommendation_id"):
        args.pop("resource_id", None)  # one subject only: the recommendation names its resource
    return args


def _intent_tools(intent: Intent, scope: str, found: Entities) -> tuple[str, ...]:
    """The tools that answer an intent; a change "…на Selectel" also needs that provider's own."""
    tools = intent.tools or (_DEFAULT_TOOL.get(scope, ""),)
    if intent.name == "change" and found.providers:
        tools = (*tools, "get_provider_breakdown")
    return tools


def _plan_calls(
    picked: Route, scope: str, content: str, lang: str, session: Any, known: dict[str, Any], registry: Any
) -> list[tuple[Intent, list[ToolCall]]]:
    """Each intent with the calls that answer it (a call two intents share is made once)."""
    available = set(registry.names())
    intents = picked.intents
    tools_of = {i.name: _intent_tools(i, scope, picked.entities) for i in intents}
    wanted = [t for i in intents for t in tools_of[i.name] if t in available]
    specs = spec_by_name(registry, list(dict.fromkeys(wanted))) if wanted else {}
    made: dict[str, ToolCall] = {}
    plan: list[tuple[Intent, list[ToolCall]]] = []
    for intent in intents:
        calls: list[ToolCall] = []
        if intent.name == "idle":
            if "summarize_top_recommendations" in available:
                for rec_type in picked.entities.idle_types:
                    calls.append(_call("summarize_top_recommendations", {"rec_type": rec_type, "limit": 5}))
            plan.append((intent, calls))
            continue
        for tool in tools_of[intent.name]:
            if tool not in available:
                continue
            if tool in made:
                calls.append(made[tool])
                continue
            if tool == "search_knowledge":  # the question itself is the query
                query = IMAGE_MARK.sub("", content).strip()[:500] or content[:500]
                call = _call(tool, {"query": query, "limit": OFFLINE_PASSAGES})
            elif tool == "create_report":
                days = (session.time_range or {}).get("days") if isinstance(session.time_range, dict) else None
                call = _call(tool, report_arguments(content, lang, days))
            else:
                args = _arguments(tool, specs.get(tool), known, picked.entities)
                if args is None:
                    continue
                call = _call(tool, args)
            made[tool] = call
            calls.append(call)
        plan.append((intent, calls))
    return plan


def _missing(trace: ToolTrace | None, lang: str) -> str:
    code = (trace.error or {}).get("code") if trace is not None else "not_found"
    key = f"chat.missing.{code}" if code in ("not_found", "unavailable", "timeout") else "chat.missing.other"
    return f"- {message(key, lang)}"


def _intent_lines(
    intent: Intent, calls: list[ToolCall], traces: dict[str, ToolTrace], found: Entities, lang: str
) -> list[str]:
    if intent.name == "report":
        asked = traces.get(calls[0].id) if calls else None
        if asked is not None and asked.ok and asked.data:
            return [message("report.offline_proposed", lang, preview=asked.data.get("preview", "")), ""]
        code = (asked.error or {}).get("code") if asked is not None else None
        reason = message(f"report.refused.{code if code in ('forbidden', 'rate_limited') else 'other'}", lang)
        return [message("report.offline_refused", lang, reason=reason), ""]
    if intent.name == "knowledge":
        found_passages = traces.get(calls[0].id) if calls else None
        if found_passages is not None and found_passages.ok and found_passages.data:
            return [*passage_lines(found_passages.data, "en" if lang == "en" else "ru"), ""]
        return [message("knowledge.unavailable", lang), ""]
    if intent.name == "unknown":
        lines = [message(f"chat.unknown.{intent.scope}", lang), "", message("chat.unknown.context", lang)]
    else:
        lines = [f"**{message(f'chat.intent.{intent.name}', lang)}**"]
    done = [(c, traces[c.id]) for c in calls if c.id in traces]
    lines += lead_lines(intent.name, [(c.name, c.arguments, t) for c, t in done], found, lang)
    for call, trace in done:
        head = idle_line(call.arguments, trace, lang) if intent.name == "idle" else None
        if head is not None:  # each type of idle resource: its count and savings, then its items
            lines += [f"- {head}", *(f"   {line}" for line in tool_lines(call.name, trace, lang, detail_only=True))]
        elif trace.ok:
            lines += tool_lines(call.name, trace, lang)
        else:
            lines.append(_missing(trace, lang))
    if not done:
        lines.append(_missing(None, lang))
    lines.append("")
    return lines


async def answer(
    registry: Any,
    ctx: Any,
    session: Any,
    content: str,
    language: str,
    pack: dict[str, Any],
    state: TurnState,
    emit: Emit,
    turn_id: str,
    *,
    screenshots: Sequence[ToolTrace] = (),
) -> None:
    lang: Lang = "en" if language == "en" else "ru"
    picked = route(session.scope, content)
    if screenshots and set(picked.names) <= {"overview", "unknown"}:
        # With a screenshot, its reconciliation is the answer ("сверь этот счёт" is about the
        # picture, not a cost overview); other topics only when asked for by name.
        picked = Route((), picked.entities, picked.scores)
    found = picked.entities
    if (found.month is not None or found.months_back is not None) and session.scope == "analytics":
        bounds = await source_of(ctx).cost_bounds(ctx.principal)
        picked = replace(picked, entities=month_span(picked.entities, bounds.last_day))
    plan = _plan_calls(picked, session.scope, content, lang, session, _known(session, pack), registry)
    calls = list({c.id: c for _, cs in plan for c in cs}.values())
    for call in calls:
        emit(ToolCallEvent(turn_id=turn_id, call_id=call.id, name=call.name, arguments=call.arguments))
    # Through the chat's runner: an action (create_report) becomes a proposal the user confirms.
    traces = await run_tools(ChatTools(registry, emit, lang), calls, ctx, emit, turn_id)
    state.tools.extend(traces)
    by_call = {c.id: t for c, t in zip(calls, traces, strict=True)}

    lines = [message("chat.offline_label", lang), ""]
    for shot in screenshots:
        if shot.ok and shot.data:
            lines += [*reconciliation_lines(shot.data, lang), ""]
        else:
            code = (shot.error or {}).get("code") or "error"
            reason = message(f"screenshot.error.{_SHOT_ERRORS.get(code, 'other')}", lang)
            lines += [message("screenshot.unreadable", lang, reason=reason), ""]
    for intent, intent_calls in plan:
        lines += _intent_lines(intent, intent_calls, by_call, picked.entities, lang)
    if picked.understood or not plan:
        lines.append(message(f"chat.hint.{session.scope}", lang))
    body = "\n".join(lines).rstrip("\n")
    state.model = "offline"
    for chunk in re.findall(r".*?\n|.+$", body):
        state.text_parts.append(chunk)
        emit(Delta(turn_id=turn_id, text=chunk))
