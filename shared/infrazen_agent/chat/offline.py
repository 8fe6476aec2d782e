"""Offline answers: no model, still useful. The user's message is matched to intents by keywords
(Russian and English); each intent names the tools that hold its facts; the answer is a template
filled with each tool's key figures in the user's language (offline_lines), labelled as offline.

Every number in an offline answer is copied from a tool result, so it grounds fully.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..actions.flow import ChatTools
from ..agent.events import Delta, Event, ToolCallEvent
from ..agent.loop import ToolTrace, TurnState, run_tools
from ..agent.prompt import IMAGE_MARK
from ..agent.tool_specs import spec_by_name
from ..context.packs import fill_arguments, session_known
from ..knowledge.answer import OFFLINE_PASSAGES, passage_lines
from ..knowledge.questions import GUIDANCE
from ..llm.types import ToolCall
from ..reports.ask import report_arguments
from ..screenshots.answer import reconciliation_lines
from ..wording.messages import message
from .offline_lines import tool_lines

Emit = Callable[[Event], None]


@dataclass(frozen=True)
class Intent:
    name: str
    scope: str
    pattern: re.Pattern[str]
    tools: tuple[str, ...]
    title_ru: str
    title_en: str
    weight: int = 1  # each keyword hit counts this much


def _words(*stems: str) -> re.Pattern[str]:
    return re.compile("|".join(stems), re.IGNORECASE)


INTENTS: tuple[Intent, ...] = (
    # both scopes: a how-to or a term (knowledge/questions.py) is answered from the knowledge base;
    # its markers are phrases ("подводные камни", "what does … mean"), the data intents' single
    # stems ("cloud", "yandex"), so a marker counts double
    Intent("knowledge", "recommendation", GUIDANCE, ("search_knowledge",), "База знаний", "Knowledge base", 2),
    Intent("knowledge", "analytics", GUIDANCE, ("search_knowledge",), "База знаний", "Knowledge base", 2),
    # what spend will be: a forecast (ahead of the data intents that share words like "месяц")
    Intent(
        "forecast",
        "analytics",
        _words(
            r"прогноз",
            r"forecast",
            r"будет\s+стоить",
            r"\bwill\b.*\b(?:cost|spend)",
            r"следующ\w*\s+(?:месяц|квартал)",
            r"next\s+(?:month|quarter)",
            r"ожида\w*\s+расход",
            r"project(?:ed|ion)",
        ),
        ("forecast_costs",),
        "Прогноз расходов",
        "Cost forecast",
        2,
    ),
    # "make a report": proposed (an action), made after the user's yes
    # (a request, not a question about one: "почему в отчёте за май…" is not)
    Intent(
        "report",
        "analytics",
        _words(
            r"(?:сдела|подготов|сформир|собер|созда|выгрузи|нужен|хочу)\w*\s+(?:\w+\s+){0,3}?отч[её]т",
            r"отч[её]т\s+(?:для|по|за)\b",
            r"\b(?:make|generate|create|prepare|build|produce|need|want)\b\s+(?:\w+\s+){0,3}?reports?\b",
            r"\breport\s+for\b",
        ),
        ("create_report",),
        "Отчёт",
        "Report",
        3,
    ),
    # recommendation scope
    Intent(
        "alternatives",
        "recommendation",
        _words(
            r"альтернатив",
            r"дешевл",
            r"куда\s+перен",
            r"друг\w*\s+провайдер",
            r"вариант",
            r"alternativ",
            r"cheaper",
            r"options?\b",
            r"other provider",
        ),
        ("list_top_alternatives",),
        "Альтернативы",
        "Alternatives",
    ),
    Intent(
        "effort",
        "recommendation",
        _words(
            r"план",
            r"шаг",
            r"миграц",
            r"перен[её]с",
            r"трудо",
            r"сложн",
            r"риск",
            r"сколько\s+врем",
            r"plan",
            r"steps?\b",
            r"migrat",
            r"effort",
            r"risk",
            r"how long",
            r"hard",
        ),
        ("estimate_migration_effort", "generate_step_plan"),
        "Трудозатраты и план",
        "Effort and plan",
    ),
    Intent(
        "utilisation",
        "recommendation",
        _words(
            r"загруз",
            r"нагруз",
            r"утилиз",
            r"cpu",
            r"процессор",
            r"памят",
            r"ram\b",
            r"снимок",
            r"utili[sz]",
            r"usage",
            r"load",
            r"memory",
            r"snapshot",
            r"metrics?",
        ),
        ("get_latest_snapshot", "get_resource"),
        "Загрузка ресурса",
        "Resource utilisation",
    ),
    Intent(
        "prices",
        "recommendation",
        _words(r"цен", r"тариф", r"прайс", r"price", r"pricing", r"sku"),
        ("get_prices_for_skus", "get_recommendation"),
        "Цены",
        "Prices",
    ),
    Intent(
        "summary",
        "recommendation",
        _words(
            r"эконом",
            r"почему",
            r"зачем",
            r"что\s+это",
            r"сколько",
            r"стоим",
            r"sav",
            r"why",
            r"what is",
            r"how much",
            r"cost",
            r"explain",
            r"объясн",
        ),
        ("get_recommendation", "get_resource"),
        "Рекомендация",
        "The recommendation",
    ),
    # analytics scope
    Intent(
        "trend",
        "analytics",
        _words(
            r"тренд",
            r"динамик",
            r"рост",
            r"растут",
            r"измен",
            r"по\s+дням",
            r"trend",
            r"grow",
            r"increas",
            r"change",
            r"over time",
        ),
        ("get_cost_trends",),
        "Динамика расходов",
        "Cost trend",
    ),
    Intent(
        "services",
        "analytics",
        _words(r"сервис", r"услуг", r"service", r"по\s+типам", r"by type"),
        ("get_service_breakdown",),
        "Расходы по сервисам",
        "Cost by service",
    ),
    Intent(
        "providers",
        "analytics",
        _words(r"провайдер", r"облак", r"selectel", r"yandex", r"beget", r"vk\b", r"provider", r"cloud"),
        ("get_provider_breakdown",),
        "Расходы по провайдерам",
        "Cost by provider",
    ),
    Intent(
        "anomalies",
        "analytics",
        _words(r"аномал", r"скач", r"всплеск", r"необычн", r"anomal", r"spike", r"unusual", r"jump"),
        ("get_anomalies",),
        "Аномалии",
        "Anomalies",
    ),
    Intent(
        "recommendations",
        "analytics",
        _words(r"рекоменд", r"эконом", r"оптимиз", r"сократ", r"recommend", r"sav", r"optimi", r"reduce", r"cut"),
        ("summarize_top_recommendations",),
        "Главные рекомендации",
        "Top recommendations",
    ),
    Intent(
        "overview",
        "analytics",
        _words(r"итог", r"обзор", r"всего", r"сколько", r"kpi", r"overview", r"total", r"summary", r"how much"),
        ("get_analytics_overview",),
        "Обзор расходов",
        "Cost overview",
    ),
)
DEFAULT_INTENT = {"recommendation": "summary", "analytics": "overview"}
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
MAX_INTENTS = 2
_SHOT_ERRORS = {"unavailable": "unavailable", "not_found": "not_found", "timeout": "timeout"}

_TEXT = {
    "ru": {
        "label": "_Офлайн-режим: языковая модель недоступна, ответ собран из ваших данных инструментами InfraZen._",
        "missing": "нет данных",
        "hint": "Можно спросить: альтернативы, экономия, загрузка, план миграции, цены.",
    },
    "en": {
        "label": "_Offline mode: no language model is available; this answer is assembled from "
        "your data by InfraZen's tools._",
        "missing": "no data",
        "hint": "You can ask about: alternatives, savings, utilisation, migration plan, prices.",
    },
}
_HINT_ANALYTICS = {
    "ru": "Можно спросить: обзор, тренд, сервисы, провайдеры, аномалии, рекомендации.",
    "en": "You can ask about: overview, trend, services, providers, anomalies, recommendations.",
}


def scope_tools(scope: str, registry: Any) -> list[str]:
    """The tools the model is offered in a scope (those the registry has)."""
    available = set(registry.names())
    return [t for t in SCOPE_TOOLS.get(scope, ()) if t in available]


def match_intents(scope: str, text: str, *, default: bool = True) -> list[Intent]:
    """The best matching intents of the scope, most keyword hits first; the scope's default when
    nothing matches (and `default`)."""
    scored = [(len(i.pattern.findall(text)) * i.weight, n, i) for n, i in enumerate(INTENTS) if i.scope == scope]
    hits = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    if hits and hits[0][2].name in ("knowledge", "report"):
        # a how-to question: the passages are the answer, not the tenant's figures; a report
        # request: the proposal is (the report holds the figures)
        return [hits[0][2]]
    if hits:
        return [i for _, _, i in hits[:MAX_INTENTS]]
    return [i for i in INTENTS if default and i.name == DEFAULT_INTENT.get(scope, "")]


def _known(session: Any, pack: dict[str, Any]) -> dict[str, Any]:
    known = session_known(session.recommendation_id, session.time_range)
    known.update(pack.get("ids") or {})
    if pack.get("_skus"):
        known["skus"] = pack["_skus"]
    return known


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
    lang = language if language in _TEXT else "ru"
    text = _TEXT[lang]
    # With a screenshot, its reconciliation is the answer; other topics only when asked for.
    intents = match_intents(session.scope, content, default=not screenshots)
    available = set(registry.names())
    known = _known(session, pack)
    wanted: list[str] = []
    for intent in intents:
        wanted += [t for t in intent.tools if t in available and t not in wanted]
    specs = spec_by_name(registry, wanted) if wanted else {}
    calls = []
    for tool in wanted:
        if tool == "search_knowledge":  # the question itself is the query
            query = IMAGE_MARK.sub("", content).strip()[:500] or content[:500]
            calls.append(ToolCall(f"off_{uuid.uuid4().hex[:10]}", tool, {"query": query, "limit": OFFLINE_PASSAGES}))
            continue
        if tool == "create_report":
            days = (session.time_range or {}).get("days") if isinstance(session.time_range, dict) else None
            calls.append(ToolCall(f"off_{uuid.uuid4().hex[:10]}", tool, report_arguments(content, lang, days)))
            continue
        args = fill_arguments(specs.get(tool), known)
        if tool == "estimate_migration_effort" and args and args.get("recommendation_id"):
            args.pop("resource_id", None)  # one subject only: the recommendation names its resource
        if args is not None:
            calls.append(ToolCall(f"off_{uuid.uuid4().hex[:10]}", tool, args))
    for call in calls:
        emit(ToolCallEvent(turn_id=turn_id, call_id=call.id, name=call.name, arguments=call.arguments))
    # Through the chat's runner: an action (create_report) becomes a proposal the user confirms.
    traces = await run_tools(ChatTools(registry, emit, lang), calls, ctx, emit, turn_id)
    state.tools.extend(traces)
    by_tool = {c.name: t for c, t in zip(calls, traces, strict=True)}

    lines = [text["label"], ""]
    for shot in screenshots:
        if shot.ok and shot.data:
            lines += [*reconciliation_lines(shot.data, "en" if lang == "en" else "ru"), ""]
        else:
            code = (shot.error or {}).get("code") or "error"
            lines += [
                message(
                    "screenshot.unreadable",
                    lang,
                    reason=message(f"screenshot.error.{_SHOT_ERRORS.get(code, 'other')}", lang),
                ),
                "",
            ]
    for intent in intents:
        if intent.name == "report":
            asked = by_tool.get("create_report")
            if asked is not None and asked.ok and asked.data:
                lines += [message("report.offline_proposed", lang, preview=asked.data.get("preview", "")), ""]
            else:
                reason = (asked.error or {}).get("message", "") if asked is not None else ""
                lines += [message("report.offline_refused", lang, reason=reason), ""]
            continue
        if intent.name == "knowledge":
            found = by_tool.get("search_knowledge")
            if found is not None and found.ok and found.data:
                lines += [*passage_lines(found.data, "en" if lang == "en" else "ru"), ""]
            else:
                lines += [message("knowledge.unavailable", lang), ""]
            continue
        lines.append(f"**{intent.title_ru if lang == 'ru' else intent.title_en}**")
        for tool in intent.tools:
            trace = by_tool.get(tool)
            if trace is None:
                continue
            if trace.ok:
                lines += tool_lines(tool, trace, lang)
            else:
                lines.append(f"- {tool}: {text['missing']} ({(trace.error or {}).get('code', 'error')})")
        if not any(t in by_tool for t in intent.tools):
            lines.append(f"- {text['missing']}")
        lines.append("")
    lines.append(text["hint"] if session.scope == "recommendation" else _HINT_ANALYTICS[lang])
    body = "\n".join(lines)
    state.model = "offline"
    for chunk in re.findall(r".*?\n|.+$", body):
        state.text_parts.append(chunk)
        emit(Delta(turn_id=turn_id, text=chunk))
