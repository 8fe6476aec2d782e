"""How one tool result reads in an offline answer, in the user's language.

Each renderer builds the lines from the tool's structured output (`trace.data`), never from its
English one-line summary, so a Russian answer stays Russian. Every number printed is a value of
that output, only formatted (grouping, decimal comma, at most two decimals): the grounding check
traces all of them. Tools without a renderer fall back to their summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..data.catalog import PROVIDER_NAMES
from ..guard.text import safe_name
from . import Lang, format_money, format_number, format_percent
from .messages import MESSAGES, count, message
from .numbers import format_size
from .tool_line_messages import TOOL_EFFORT_RU, TOOL_WORDS_RU

if TYPE_CHECKING:
    from ..agent.loop import ToolTrace

Data = dict[str, Any]
Renderer = Callable[[Data, str], list[str]]
MAX_ITEMS = 5


def _label(prefix: str, value: Any, lang: str, fallback: str | None = None) -> str:
    """The catalogue's words for a data value (`prefix` + value), or the value itself."""
    key = f"{prefix}.{value}"
    return message(key, _lang(lang)) if key in MESSAGES else (fallback if fallback is not None else str(value))


def _kind(rec_type: Any, lang: str, fallback: str | None = None) -> str:
    """What a recommendation of this type proposes."""
    return _label("line.rec_type", rec_type, lang, fallback)


def _n(value: object) -> str:
    """A name from tenant data, as plain text (no markup a renderer would act on)."""
    return safe_name(str(value or ""))


def _ru(lang: str) -> bool:
    return lang == "ru"


def _lang(lang: str) -> Lang:
    return "ru" if lang == "ru" else "en"


def _word(value: Any, lang: str) -> str:
    text = str(value)
    return TOOL_WORDS_RU.get(text, text) if _ru(lang) else text.replace("_", " ")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: Any, lang: str) -> str:
    """A value of the tool's data as a number, or "?" where the data has none."""
    return format_number(value, _lang(lang)) if _number(value) else "?"


def _pct(value: Any, lang: str, signed: bool = False) -> str:
    return format_percent(value, _lang(lang), signed=signed) if _number(value) else "?"


def _amount(value: Any, currency: Any, period: str, lang: str) -> str:
    return format_money(value, str(currency), _lang(lang), period) if _number(value) else "?"


def _money(value: Any, lang: str) -> str:
    if isinstance(value, dict) and {"amount", "currency", "period"} <= set(value):
        return _amount(value["amount"], value["currency"], str(value["period"]), lang)
    return "?"


def _span(rng: Any) -> str:
    return f"{rng.get('start')}..{rng.get('end')}" if isinstance(rng, dict) else "?"


def _items(data: Data, key: str, limit: int = MAX_ITEMS, *, latest: bool = False) -> list[Data]:
    """The first `limit` items (ranked lists), or with `latest` the last ones (a time series: the
    most recent periods are the ones asked about)."""
    items = data.get(key)
    if not isinstance(items, list):
        return []
    picked = items[-limit:] if latest else items[:limit]
    return [i for i in picked if isinstance(i, dict)]


def _spec(spec: Any, lang: str) -> str:
    if not isinstance(spec, dict):
        return ""
    lng = _lang(lang)
    parts = []
    if spec.get("vcpu"):
        parts.append(f"{_num(spec['vcpu'], lang)} vCPU")
    if spec.get("ram_gb"):
        parts.append(f"{format_size(spec['ram_gb'], lng)} RAM")
    if spec.get("disk_gb"):
        parts.append(f"{format_size(spec['disk_gb'], lng)} {spec.get('disk_type') or ''}".strip())
    if (spec.get("nodes") or 1) > 1 and _number(spec["nodes"]):
        parts.append(f"× {count('unit.nodes', spec['nodes'], lng)}")
    return " / ".join(parts)


# --- recommendation scope ---------------------------------------------------------------------


def _confidence(value: Any, lang: str) -> str:
    """A label, not a figure: a confidence score is not a quantity the checker lets anyone cite."""
    v = float(value or 0)
    return message(f"line.confidence.{'high' if v >= 0.8 else 'medium' if v >= 0.6 else 'low'}", _lang(lang))


def _recommendation(d: Data, lang: str) -> list[str]:
    lng, res, target = _lang(lang), d.get("resource") or {}, d.get("target")
    line = message(
        "line.recommendation",
        lng,
        id=d.get("id"),
        kind=_kind(d.get("rec_type"), lang),
        name=_n(res.get("name")),
        saves=_money(d.get("savings_monthly"), lang),
        pct=_pct(d.get("savings_pct"), lang),
        confidence=_confidence(d.get("confidence"), lang),
        status=_word(d.get("status"), lang) if _ru(lang) else d.get("status"),
    )
    now, after = _money(d.get("current_monthly"), lang), _money(d.get("target_monthly"), lang)
    more = [message("line.recommendation.now", lng, now=now, after=after)]
    if isinstance(target, dict):
        where = {"provider": target.get("provider_name"), "sku": target.get("sku"), "region": target.get("region")}
        more.append(message("line.recommendation.target", lng, **where))
    return [line, *more]


def _resource(d: Data, lang: str) -> list[str]:
    r = d.get("resource") or {}
    spec = _spec(r.get("spec"), lang) or message("line.resource.no_size", _lang(lang))
    status = message(
        "line.resource.status", _lang(lang), status=_word(r.get("status"), lang) if _ru(lang) else r.get("status")
    )
    return [
        f"{_word(r.get('resource_type'), lang)} {_n(r.get('name'))} ({r.get('provider_name')}, {_n(r.get('region'))}): "
        f"{spec}, {_money(r.get('monthly_cost'), lang)}, {status}"
    ]


def _snapshot(d: Data, lang: str) -> list[str]:
    rid = d.get("resource_id")
    if d.get("cpu_avg_pct") is None:
        since = str(d.get("status_since") or "")[:10]
        status = _word(d.get("status"), lang) if _ru(lang) else d.get("status")
        line = message("line.snapshot.status", _lang(lang), id=rid, status=status)
        return [line + (message("line.snapshot.since", _lang(lang), since=since) if since else "")]
    cpu = f"CPU {_pct(d.get('cpu_avg_pct'), lang)} (p95 {_pct(d.get('cpu_p95_pct'), lang)})"
    ram = f"RAM {_pct(d.get('ram_avg_pct'), lang)} (p95 {_pct(d.get('ram_p95_pct'), lang)})"
    return [message("line.snapshot.load", _lang(lang), id=rid, days=d.get("window_days"), cpu=cpu, ram=ram)]


def _alternatives(d: Data, lang: str) -> list[str]:
    name = _n((d.get("resource") or {}).get("name"))
    current = _money(d.get("current_monthly"), lang)
    items = _items(d, "alternatives")
    if not items:
        return [message("line.alternatives.none", _lang(lang), name=name)]
    lines = [message("line.alternatives.head", _lang(lang), name=name, now=current)]
    for a in items:
        lines.append(
            f"{a.get('rank')}. {a.get('provider_name')} {a.get('sku')} ({a.get('region')}): "
            f"{_money(a.get('monthly'), lang)}, {_pct(a.get('delta_pct'), lang, signed=True)}"
        )
    return lines


def _prices(d: Data, lang: str) -> list[str]:
    lng = _lang(lang)
    lines = [
        message(
            "line.prices.item",
            lng,
            provider=p.get("provider_name"),
            sku=p.get("sku"),
            region=p.get("region"),
            price=_money(p.get("monthly_price"), lang),
            unit=_word(p.get("billing_unit"), lang),
        )
        for p in _items(d, "prices")
    ]
    missing = [m.get("sku") for m in d.get("missing") or [] if isinstance(m, dict)]
    if missing:
        lines.append(message("line.prices.missing", lng, skus=", ".join(str(m) for m in missing)))
    return lines or [message("line.prices.none", lng)]


def _effort(d: Data, lang: str) -> list[str]:
    score, lng = d.get("score"), _lang(lang)
    spec = _spec(d.get("spec"), lang)
    subject = f"{_word(d.get('resource_type'), lang)} {_n(d.get('resource_name'))}" + (f" ({spec})" if spec else "")
    label = (
        TOOL_EFFORT_RU.get(score, str(d.get("label"))) if _ru(lang) and isinstance(score, int) else str(d.get("label"))
    )
    hours = count("unit.hours", d["estimated_hours"], lng) if _number(d.get("estimated_hours")) else "?"
    head = message("chat.lead.effort", lng, score=score, label=label, hours=hours)
    total = d.get("points_total")
    if _number(total) and total != score:
        head = f"{head[:-1]} ({message('effort.capped', lng, total=total)})."
    lines = [message("line.effort.subject", lng, head=head[:-1], subject=subject)]
    lines += [effort_factor(f, lang) for f in _items(d, "factors")]
    return lines


def effort_factor(f: Data, lang: str) -> str:
    """One factor of `estimate_migration_effort` in the reader's language, written from its code and
    values (the tool's own `factor`/`detail` are English)."""
    lng, code = _lang(lang), str(f.get("code") or "")
    points = f"(+{_num(f.get('points'), lang)})"
    if code == "change_type":
        change = _kind(f.get("change"), lang, str(f.get("change")).replace("_", " "))
        text = message("effort.factor.change_type", lng, change=change)
    elif code == "new_provider":
        text = message(
            "effort.factor.new_provider", lng, source=f.get("source_provider"), target=f.get("target_provider")
        )
    elif code == "data_to_move":
        text = message("effort.factor.data_to_move", lng, size=format_size(f.get("size_gb"), lng))
    elif code == "cluster":
        nodes = count("unit.nodes", f["nodes"], lng) if _number(f.get("nodes")) else "?"
        text = message("effort.factor.cluster", lng, nodes=nodes)
    elif f"effort.factor.{code}" in MESSAGES:
        text = message(f"effort.factor.{code}", lng)
    else:  # an older result without codes: its own words
        text = f"{f.get('factor')}: {f.get('detail')}"
    return f"{text} {points}"


def _plan(d: Data, lang: str) -> list[str]:
    lng, saves = _lang(lang), _money(d.get("savings_monthly"), lang)
    head = message("line.plan.head", lng, id=d.get("recommendation_id"), name=_n(d.get("resource_name")), saves=saves)
    steps = [
        message(
            "line.plan.step",
            lng,
            order=s.get("order"),
            title=_word(s.get("title"), lang),
            risk=_word(s.get("risk"), lang),
        )
        for s in _items(d, "steps", limit=10)  # a plan is read whole
    ]
    return [head, *steps]


# --- analytics scope ----------------------------------------------------------------------------


def _overview(d: Data, lang: str) -> list[str]:
    lng, change = _lang(lang), d.get("change_pct")
    vs = message("line.overview.change", lng, change=_pct(change, lang, signed=True)) if change is not None else ""
    lines = [
        message(
            "line.overview",
            lng,
            span=_span(d.get("range")),
            spent=_money(d.get("total_spend"), lang),
            change=vs,
            average=_money(d.get("average_daily"), lang),
            run_rate=_money(d.get("run_rate_monthly"), lang),
        )
    ]
    for key in ("top_provider", "top_service"):
        top = d.get(key)
        if isinstance(top, dict):
            amount, pct = _money(top.get("amount"), lang), _pct(top.get("pct"), lang)
            lines.append(message(f"line.overview.{key}", lng, name=_n(top.get("name")), amount=amount, pct=pct))
    savings = _money(d.get("potential_savings_monthly"), lang)
    lines.append(message("line.open_recommendations", lng, open=d.get("open_recommendations"), savings=savings))
    lines.append(message("line.overview.anomalies", lng, count=d.get("anomalies")))
    return lines


def _trends(d: Data, lang: str) -> list[str]:
    span, cur = _span(d.get("range")), d.get("currency")
    gran = _label("line.granularity", d.get("granularity"), lang)
    slope = d.get("slope_pct_per_month")
    trend = ", " + message("line.trend", _lang(lang), pct=_pct(slope, lang, signed=True)) if slope is not None else ""
    lines = [f"{span}: {_money(d.get('total'), lang)}, {gran}{trend}"]
    for p in _items(d, "points", latest=True):
        lines.append(f"{p.get('start')}..{p.get('end')}: {_amount(p.get('amount'), cur, 'range', lang)}")
    return lines


def _breakdown(d: Data, lang: str) -> list[str]:
    lng, dim = _lang(lang), str(d.get("dimension"))
    by = message("line.breakdown.by_service" if dim == "service" else "line.breakdown.by_provider", lng)
    total = _money(d.get("total"), lang)
    lines = [message("line.breakdown.head", lng, span=_span(d.get("range")), total=total, by=by)]
    for i in _items(d, "items"):
        change = i.get("change_pct")
        vs = message("line.breakdown.change", lng, change=_pct(change, lang, signed=True))
        lines.append(
            f"{_n(i.get('name'))}: {_money(i.get('amount'), lang)} ({_pct(i.get('pct'), lang)}"
            + (vs if change is not None else "")
            + ")"
        )
    return lines


def _anomalies(d: Data, lang: str) -> list[str]:
    lng = _lang(lang)
    lines = [message("line.anomalies.head", lng, span=_span(d.get("range")), count=d.get("count"))]
    for a in _items(d, "anomalies"):
        lines.append(
            message(
                "line.anomalies.item",
                lng,
                day=a.get("day"),
                provider=a.get("provider_name"),
                service=_n(a.get("service")),
                amount=_money(a.get("amount"), lang),
                expected=_money(a.get("expected"), lang),
                deviation=_pct(a.get("deviation_pct"), lang, signed=True),
                kind=_word(a.get("kind"), lang),
            )
        )
    return lines


def _top(d: Data, lang: str) -> list[str]:
    lng = _lang(lang)
    total = _money(d.get("total_savings_monthly"), lang)
    lines = [message("line.top.head", lng, open=d.get("open_count"), total=total)]
    for i in _items(d, "items"):
        name = i.get("resource_name")
        if _ru(lang):
            # Titles are written in Russian by the recommendation engine ("…: экономия …"); the
            # savings part is shown below, from the figure.
            what = str(i.get("title")).split(": экономия")[0]
        else:
            kind = _kind(i.get("rec_type"), lang)
            what = (
                f"{_n(name)}: {kind}" if name else message("line.top.unnamed", lng, kind=kind, id=i.get("resource_id"))
            )
        lines.append(f"#{i.get('id')} {what} — {_money(i.get('savings_monthly'), lang)}")
    return lines


def _user(d: Data, lang: str) -> list[str]:
    lng = _lang(lang)
    names = sorted(
        {PROVIDER_NAMES.get(str(c.get("provider")), str(c.get("provider"))) for c in d.get("connections") or []}
    )
    providers = ", ".join(names) or message("line.user.no_providers", lng)
    return [
        message(
            "line.user",
            lng,
            tenant=_n(d.get("tenant_name")),
            resources=_num(d.get("resources_total"), lang),
            providers=providers,
            total=_money(d.get("monthly_cost_total"), lang),
            open=d.get("open_recommendations"),
        )
    ]


def _forecast(d: Data, lang: str) -> list[str]:
    lng = _lang(lang)
    lines = [message("line.forecast.head", lng, span=_span(d.get("history")), pct=_pct(d.get("interval_pct"), lang))]
    for p in _items(d, "periods"):
        name = _label("line.forecast.period", p.get("period"), lang)
        interval = message(
            "line.forecast.interval", lng, low=_money(p.get("low"), lang), high=_money(p.get("high"), lang)
        )
        lines.append(f"{name} ({p.get('start')}..{p.get('end')}): {_money(p.get('forecast'), lang)} ({interval})")
    trend = d.get("trend_pct_per_month")
    if trend is not None:
        lines.append(message("line.trend", lng, pct=_pct(trend, lang, signed=True)))
    return lines


RENDERERS: dict[str, Renderer] = {
    "get_recommendation": _recommendation,
    "get_resource": _resource,
    "get_latest_snapshot": _snapshot,
    "list_top_alternatives": _alternatives,
    "get_prices_for_skus": _prices,
    "estimate_migration_effort": _effort,
    "generate_step_plan": _plan,
    "get_analytics_overview": _overview,
    "get_cost_trends": _trends,
    "get_service_breakdown": _breakdown,
    "get_provider_breakdown": _breakdown,
    "get_anomalies": _anomalies,
    "summarize_top_recommendations": _top,
    "get_user_context": _user,
    "forecast_costs": _forecast,
}


def tool_lines(tool: str, trace: ToolTrace, lang: str, *, detail_only: bool = False) -> list[str]:
    """The markdown lines of one successful call of `tool` (its name without a version): a
    headline, then up to a few details (`detail_only`: the details alone, as a list). A tool
    without a renderer (or whose data does not fit it) reads as its own summary."""
    render = RENDERERS.get(tool.partition("@")[0])
    if render is None or not isinstance(trace.data, dict):
        return [f"- {trace.summary}"]
    try:
        head, *details = render(trace.data, lang)
    except (TypeError, ValueError, AttributeError, KeyError):
        return [f"- {trace.summary}"]
    if detail_only:
        return [f"- {line}" for line in details]
    return [f"- {head}", *(f"   - {line}" for line in details)]


def headline(tool: str, data: Any, lang: str) -> str | None:
    """The first line of a result in the reader's language (a tool step's summary), or None."""
    render = RENDERERS.get(tool.partition("@")[0])
    if render is None or not isinstance(data, dict):
        return None
    try:
        lines = render(data, lang)
    except (TypeError, ValueError, AttributeError, KeyError):
        return None
    return lines[0].rstrip(":") if lines else None


# The pieces other wording builds sentences from (chat/leads.py): one way to write each.
money_text, percent_text, span_text, spec_text, name_text, word = _money, _pct, _span, _spec, _n, _word
