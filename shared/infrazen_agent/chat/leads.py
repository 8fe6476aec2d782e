"""The direct answer to an offline question, before the supporting figures: the Kubernetes share
when Kubernetes is asked about, the yearly savings when "per year" is, why a server costs what it
costs. Every figure is a value of a tool's result (or a monthly one × 12, which the number checker
traces as yearly), written by the one formatter; the sentences are the catalogue's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..agent.loop import ToolTrace
from ..data.money import MONTHS_PER_YEAR, round2
from ..wording import format_money
from ..wording.messages import message
from ..wording.tool_lines import money_text, name_text, percent_text, span_text, spec_text, word
from .intents import PROVIDERS, Entities

Done = list[tuple[str, dict[str, Any], ToolTrace]]
Lead = Callable[[Done, Entities, str], list[str]]
LOW_CPU_PCT = 20.0  # below this average a server is mostly paid-for idle capacity


def _data(done: Done, tool: str) -> dict[str, Any] | None:
    for name, _, trace in done:
        if name == tool and trace.ok and isinstance(trace.data, dict):
            return trace.data
    return None


def _yearly(m: Any, lang: str) -> str:
    """A monthly money value written per year (× 12)."""
    if not isinstance(m, dict) or not isinstance(m.get("amount"), int | float):
        return "?"
    return format_money(
        round2(m["amount"] * MONTHS_PER_YEAR), str(m["currency"]), "en" if lang == "en" else "ru", "year"
    )


def _matches(item: dict[str, Any], fragments: tuple[str, ...]) -> bool:
    text = f"{item.get('key', '')} {item.get('name', '')}".lower()
    return any(f in text for f in fragments)


def _shares(data: dict[str, Any], asked: Mapping[str, tuple[str, ...]], lang: str) -> list[str]:
    span = span_text(data.get("range"))
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    lines = []
    for label, fragments in asked.items():
        hits = [i for i in items if _matches(i, fragments)]
        if not hits:
            lines.append(message("chat.lead.not_in_breakdown", lang, name=label, span=span))
        for i in hits:
            lines.append(
                message(
                    "chat.lead.share",
                    lang,
                    name=name_text(i.get("name")),
                    span=span,
                    amount=money_text(i.get("amount"), lang),
                    pct=percent_text(i.get("pct"), lang),
                )
            )
    return lines


def _services(done: Done, found: Entities, lang: str) -> list[str]:
    data = _data(done, "get_service_breakdown")
    return _shares(data, found.service_keys(), lang) if data and found.services else []


def _amount(m: Any) -> float:
    return float(m["amount"]) if isinstance(m, dict) and isinstance(m.get("amount"), int | float) else 0.0


def _movers(items: list[dict[str, Any]], lang: str, up: bool) -> str | None:
    """The (up to) two services that moved the most in money, the way asked, from → to."""

    def gain(i: dict[str, Any]) -> float:  # the move the way asked: positive when it went that way
        return (_amount(i.get("amount")) - _amount(i.get("previous"))) * (1 if up else -1)

    moved = sorted((i for i in items if gain(i) > 0), key=gain, reverse=True)[:2]
    if not moved:
        return None
    parts = [_change_item(i, lang) for i in moved]
    return message("chat.lead.change_up" if up else "chat.lead.change_down", lang, items="; ".join(parts))


def _change_item(item: dict[str, Any], lang: str) -> str:
    """One breakdown item's move: "compute — с 441 419,30 ₽ до 456 767,16 ₽ (+3,5 %)"."""
    return message(
        "chat.lead.change_item",
        lang,
        name=name_text(item.get("name")),
        previous=money_text(item.get("previous"), lang),
        amount=money_text(item.get("amount"), lang),
        pct=percent_text(item.get("change_pct"), lang, signed=True),
    )


def _change(done: Done, found: Entities, lang: str) -> list[str]:
    """This period against the one before, and the services that drove the difference."""
    overview = _data(done, "get_analytics_overview")
    if not overview:
        return []
    span = span_text(overview.get("range"))
    if overview.get("change_pct") is None:
        return [
            message("chat.lead.change_unknown", lang, span=span, amount=money_text(overview.get("total_spend"), lang))
        ]
    days = (overview.get("previous_period") or {}).get("days")
    lines = [
        message(
            "chat.lead.change",
            lang,
            span=span,
            amount=money_text(overview.get("total_spend"), lang),
            previous=money_text(overview.get("previous_total"), lang),
            days=days,
            pct=percent_text(overview.get("change_pct"), lang, signed=True),
        )
    ]
    services = _data(done, "get_service_breakdown")
    items = [i for i in (services or {}).get("items") or [] if isinstance(i, dict)]
    # what the question names comes first: that service's or provider's own change
    providers = [i for i in (_data(done, "get_provider_breakdown") or {}).get("items") or [] if isinstance(i, dict)]
    named = [i for i in items if any(_matches(i, f) for f in found.service_keys().values())]
    named += [i for i in providers if any(_matches(i, (p, PROVIDERS[p][0])) for p in found.providers)]
    lines += [message("chat.lead.change_named", lang, item=_change_item(i, lang)) for i in named]
    grew = _amount(overview.get("total_spend")) >= _amount(overview.get("previous_total"))
    for up in (grew, not grew):
        line = _movers(items, lang, up)
        if line:
            lines.append(line)
            break
    return lines


def _providers(done: Done, found: Entities, lang: str) -> list[str]:
    data = _data(done, "get_provider_breakdown")
    if not data or not found.providers:
        return []
    asked = {p: (p, PROVIDERS[p][0]) for p in found.providers}
    return _shares(data, asked, lang)


def _savings(done: Done, found: Entities, lang: str) -> list[str]:
    d = _data(done, "summarize_top_recommendations")
    if not d:
        return []
    key = "chat.lead.savings_year" if found.per_year else "chat.lead.savings_total"
    return [
        message(
            key,
            lang,
            count=d.get("open_count"),
            monthly=money_text(d.get("total_savings_monthly"), lang),
            yearly=money_text(d.get("total_savings_yearly"), lang),
        )
    ]


def idle_line(args: dict[str, Any], trace: ToolTrace, lang: str) -> str | None:
    """The headline of one type of idle resources (a `summarize_top_recommendations` call by type)."""
    if not trace.ok or not isinstance(trace.data, dict):
        return None
    d = trace.data
    return message(
        f"chat.lead.idle.{args.get('rec_type')}",
        lang,
        count=d.get("open_count"),
        savings=money_text(d.get("total_savings_monthly"), lang),
    )


def _rec_savings(done: Done, found: Entities, lang: str) -> list[str]:
    d = _data(done, "get_recommendation")
    if not d:
        return []
    key = "chat.lead.rec_savings_year" if found.per_year else "chat.lead.rec_savings"
    return [
        message(
            key,
            lang,
            monthly=money_text(d.get("savings_monthly"), lang),
            yearly=_yearly(d.get("savings_monthly"), lang),
            pct=percent_text(d.get("savings_pct"), lang),
            current=money_text(d.get("current_monthly"), lang),
        )
    ]


def _why_expensive(done: Done, found: Entities, lang: str) -> list[str]:
    lines = []
    res = (_data(done, "get_resource") or {}).get("resource")
    if isinstance(res, dict):
        lines.append(
            message(
                "chat.lead.costs",
                lang,
                name=name_text(res.get("name")),
                monthly=money_text(res.get("monthly_cost"), lang),
                spec=spec_text(res.get("spec"), lang) or "?",
                provider=res.get("provider_name"),
                region=name_text(res.get("region")),
            )
        )
    snap = _data(done, "get_latest_snapshot")
    cpu = (snap or {}).get("cpu_avg_pct")
    if isinstance(cpu, int | float):
        key = "chat.lead.load_low" if cpu < LOW_CPU_PCT else "chat.lead.load"
        lines.append(
            message(key, lang, cpu=percent_text(cpu, lang), p95=percent_text((snap or {}).get("cpu_p95_pct"), lang))
        )
    alts = _data(done, "list_top_alternatives")
    if alts is not None:
        best = next((a for a in alts.get("alternatives") or [] if isinstance(a, dict)), None)
        if best is None:
            lines.append(message("chat.lead.no_cheaper", lang))
        else:
            lines.append(
                message(
                    "chat.lead.cheaper",
                    lang,
                    provider=best.get("provider_name"),
                    sku=best.get("sku"),
                    monthly=money_text(best.get("monthly"), lang),
                    delta=percent_text(best.get("delta_pct"), lang, signed=True),
                )
            )
    return lines


def _risks(done: Done, found: Entities, lang: str) -> list[str]:
    plan = _data(done, "generate_step_plan")
    if not plan:
        return []
    order = {"high": 2, "medium": 1, "low": 0}
    steps = [s for s in plan.get("steps") or [] if isinstance(s, dict)]
    # the riskiest step; of equals, the one with downtime (the recommendation text's main risk)
    worst = max(
        steps, key=lambda s: (order.get(str(s.get("risk")), 0), "downtime" in (s.get("risk_flags") or [])), default=None
    )
    if worst is None or worst.get("risk") == "low":
        return [message("chat.lead.no_risk", lang)]

    flags = ", ".join(word(f, lang) for f in worst.get("risk_flags") or []) or word(worst.get("risk"), lang)
    return [
        message(
            "chat.lead.risk",
            lang,
            step=word(worst.get("title"), lang),
            level=word(worst.get("risk"), lang),
            flags=flags,
        )
    ]


LEADS: dict[str, Lead] = {
    "change": _change,
    "services": _services,
    "providers": _providers,
    "recommendations": _savings,
    "savings": _rec_savings,
    "why_expensive": _why_expensive,
    "risks": _risks,
}


def lead_lines(intent: str, done: Done, found: Entities, lang: str) -> list[str]:
    """The sentences that answer the question itself (none for intents whose figures do)."""
    lead = LEADS.get(intent)
    return lead(done, found, lang) if lead else []
