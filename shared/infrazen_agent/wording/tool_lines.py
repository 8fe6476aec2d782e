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

if TYPE_CHECKING:
    from ..agent.loop import ToolTrace

Data = dict[str, Any]
Renderer = Callable[[Data, str], list[str]]
MAX_ITEMS = 5

_REC_TYPES = {
    "cross_provider_server": ("перенос сервера к другому провайдеру", "move the server to another provider"),
    "cross_provider_dbaas": ("перенос базы данных к другому провайдеру", "move the database to another provider"),
    "rightsize_cpu": ("уменьшение размера сервера", "downsize the server"),
    "stopped_server": ("удаление остановленного сервера", "delete the stopped server"),
    "old_snapshot": ("удаление старого снимка", "delete the old snapshot"),
    "unused_ip": ("освобождение неиспользуемого IP", "release the unused IP"),
}
_WORDS_RU = {
    # statuses
    "pending": "ожидает решения",
    "seen": "просмотрена",
    "snoozed": "отложена",
    "implemented": "выполнена",
    "dismissed": "отклонена",
    "running": "работает",
    "stopped": "остановлен",
    "active": "активен",
    "unused": "не используется",
    "migration": "переезд",
    # resource types
    "server": "сервер",
    "volume": "диск",
    "snapshot": "снимок",
    "reserved_ip": "IP-адрес",
    "load_balancer": "балансировщик",
    "storage": "хранилище",
    "postgresql-cluster": "кластер PostgreSQL",
    "mysql-cluster": "кластер MySQL",
    "redis-cluster": "кластер Redis",
    "kafka-cluster": "кластер Kafka",
    "kubernetes-cluster": "кластер Kubernetes",
    # risks, anomaly kinds
    "low": "низкий",
    "medium": "средний",
    "high": "высокий",
    "spike": "всплеск",
    "drop": "падение",
    "level_shift": "сдвиг уровня",
    # plan steps
    "Prepare the target": "Подготовить целевой ресурс",
    "Copy the data": "Скопировать данные",
    "Test on the target": "Протестировать на целевом ресурсе",
    "Switch traffic": "Переключить трафик",
    "Observe": "Понаблюдать",
    "Decommission the source": "Вывести исходный ресурс из эксплуатации",
    "Confirm the low load": "Подтвердить низкую нагрузку",
    "Snapshot the disk": "Сделать снимок диска",
    "Resize": "Изменить размер",
    "Confirm nobody needs it": "Убедиться, что ресурс никому не нужен",
    "Delete the server and its disk": "Удалить сервер и его диск",
    "Check retention rules": "Проверить правила хранения",
    "Delete the snapshot": "Удалить снимок",
    "Check DNS and configs": "Проверить DNS и конфигурации",
    "Release the address": "Освободить адрес",
    # billing units of the price catalog
    "per_instance": "за сервер",
    "per_node": "за узел",
    "per_cluster": "за кластер",
    "per_gb": "за ГБ",
    "per_ip": "за IP-адрес",
    # a plan step's risk flags
    "data consistency": "согласованность данных",
    "replication lag": "отставание репликации",
    "downtime": "простой",
    "DNS propagation": "обновление DNS",
    "write freeze": "остановка записи",
    "irreversible": "необратимо",
    "short downtime": "короткий простой",
    "performance": "производительность",
    "irreversible without the snapshot": "необратимо без снимка",
    "compliance": "требования к хранению",
    "the same address cannot be reserved again": "тот же адрес потом не зарезервировать",
    # effort factors and their fixed details
    "change type": "тип изменения",
    "new provider": "новый провайдер",
    "data to move": "объём данных",
    "cluster": "кластер",
    "managed service": "управляемый сервис",
    "production": "продакшн",
    "restart": "перезапуск",
    "engine versions, extensions and connection strings differ": "отличаются версии, расширения и строки подключения",
    "needs a maintenance window": "нужно окно обслуживания",
    "resizing restarts the server": "изменение размера перезапускает сервер",
}
_EFFORT_RU = {1: "очень низкая", 2: "низкая", 3: "средняя", 4: "высокая", 5: "очень высокая"}
_GRANULARITY = {"day": ("по дням", "daily"), "week": ("по неделям", "weekly"), "month": ("по месяцам", "monthly")}


def _n(value: object) -> str:
    """A name from tenant data, as plain text (no markup a renderer would act on)."""
    return safe_name(str(value or ""))


def _ru(lang: str) -> bool:
    return lang == "ru"


def _lang(lang: str) -> Lang:
    return "ru" if lang == "ru" else "en"


def _word(value: Any, lang: str) -> str:
    text = str(value)
    return _WORDS_RU.get(text, text) if _ru(lang) else text.replace("_", " ")


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


_CONFIDENCE = {"ru": ("высокая", "средняя", "низкая"), "en": ("high", "medium", "low")}


def _confidence(value: Any, lang: str) -> str:
    """A label, not a figure: a confidence score is not a quantity the checker lets anyone cite."""
    words = _CONFIDENCE["ru" if _ru(lang) else "en"]
    v = float(value or 0)
    return words[0] if v >= 0.8 else words[1] if v >= 0.6 else words[2]


def _recommendation(d: Data, lang: str) -> list[str]:
    kind = _REC_TYPES.get(str(d.get("rec_type")), (str(d.get("rec_type")),) * 2)
    res = d.get("resource") or {}
    target = d.get("target")
    if _ru(lang):
        line = (
            f"#{d.get('id')} {kind[0]} для {_n(res.get('name'))}: экономия {_money(d.get('savings_monthly'), lang)} "
            f"({_pct(d.get('savings_pct'), lang)}), уверенность {_confidence(d.get('confidence'), lang)}, "
            f"статус: {_word(d.get('status'), lang)}"
        )
        more = [f"сейчас {_money(d.get('current_monthly'), lang)}, после — {_money(d.get('target_monthly'), lang)}"]
        if isinstance(target, dict):
            more.append(f"цель: {target.get('provider_name')} {target.get('sku')} ({target.get('region')})")
    else:
        line = (
            f"#{d.get('id')} {kind[1]} for {_n(res.get('name'))}: saves {_money(d.get('savings_monthly'), lang)} "
            f"({_pct(d.get('savings_pct'), lang)}), confidence {_confidence(d.get('confidence'), lang)}, "
            f"{d.get('status')}"
        )
        more = [f"now {_money(d.get('current_monthly'), lang)}, after {_money(d.get('target_monthly'), lang)}"]
        if isinstance(target, dict):
            more.append(f"target: {target.get('provider_name')} {target.get('sku')} ({target.get('region')})")
    return [line, *more]


def _resource(d: Data, lang: str) -> list[str]:
    r = d.get("resource") or {}
    spec = _spec(r.get("spec"), lang) or ("размер не указан" if _ru(lang) else "no size")
    status = f"статус: {_word(r.get('status'), lang)}" if _ru(lang) else str(r.get("status"))
    return [
        f"{_word(r.get('resource_type'), lang)} {_n(r.get('name'))} ({r.get('provider_name')}, {_n(r.get('region'))}): "
        f"{spec}, {_money(r.get('monthly_cost'), lang)}, {status}"
    ]


def _snapshot(d: Data, lang: str) -> list[str]:
    rid = d.get("resource_id")
    if d.get("cpu_avg_pct") is None:
        since = str(d.get("status_since") or "")[:10]
        if _ru(lang):
            return [f"ресурс {rid}: {_word(d.get('status'), lang)}" + (f" с {since}" if since else "")]
        return [f"resource {rid}: {d.get('status')}" + (f" since {since}" if since else "")]
    cpu = f"CPU {_pct(d.get('cpu_avg_pct'), lang)} (p95 {_pct(d.get('cpu_p95_pct'), lang)})"
    ram = f"RAM {_pct(d.get('ram_avg_pct'), lang)} (p95 {_pct(d.get('ram_p95_pct'), lang)})"
    if _ru(lang):
        return [f"ресурс {rid}, средняя загрузка за {d.get('window_days')} дн.: {cpu}, {ram}"]
    return [f"resource {rid}, average load over {d.get('window_days')} days: {cpu}, {ram}"]


def _alternatives(d: Data, lang: str) -> list[str]:
    name = _n((d.get("resource") or {}).get("name"))
    current = _money(d.get("current_monthly"), lang)
    items = _items(d, "alternatives")
    if not items:
        return [
            f"для {name} нет равноценных альтернатив у других провайдеров"
            if _ru(lang)
            else f"no equivalent alternative for {name} at other providers"
        ]
    head = f"альтернативы для {name} (сейчас {current}):" if _ru(lang) else f"alternatives for {name} (now {current}):"
    lines = [head]
    for a in items:
        lines.append(
            f"{a.get('rank')}. {a.get('provider_name')} {a.get('sku')} ({a.get('region')}): "
            f"{_money(a.get('monthly'), lang)}, {_pct(a.get('delta_pct'), lang, signed=True)}"
        )
    return lines


def _prices(d: Data, lang: str) -> list[str]:
    lines = [
        f"{p.get('provider_name')} {p.get('sku')} ({p.get('region')}): {_money(p.get('monthly_price'), lang)}"
        + (f", {'единица' if _ru(lang) else 'unit'}: {_word(p.get('billing_unit'), lang)}")
        for p in _items(d, "prices")
    ]
    missing = [m.get("sku") for m in d.get("missing") or [] if isinstance(m, dict)]
    if missing:
        label = "нет в каталоге" if _ru(lang) else "not in the catalog"
        lines.append(f"{label}: {', '.join(str(m) for m in missing)}")
    return lines or [("цен не найдено" if _ru(lang) else "no prices found")]


def _effort(d: Data, lang: str) -> list[str]:
    score, lng = d.get("score"), _lang(lang)
    spec = _spec(d.get("spec"), lang)
    subject = f"{_word(d.get('resource_type'), lang)} {_n(d.get('resource_name'))}" + (f" ({spec})" if spec else "")
    label = _EFFORT_RU.get(score, str(d.get("label"))) if _ru(lang) and isinstance(score, int) else str(d.get("label"))
    hours = count("unit.hours", d["estimated_hours"], lng) if _number(d.get("estimated_hours")) else "?"
    head = message("chat.lead.effort", lng, score=score, label=label, hours=hours)
    total = d.get("points_total")
    if _number(total) and total != score:
        head = f"{head[:-1]} ({message('effort.capped', lng, total=total)})."
    lines = [f"{head[:-1]}: {subject}" if _ru(lang) else f"{head[:-1]}, for {subject}"]
    lines += [effort_factor(f, lang) for f in _items(d, "factors")]
    return lines


def effort_factor(f: Data, lang: str) -> str:
    """One factor of `estimate_migration_effort` in the reader's language, written from its code and
    values (the tool's own `factor`/`detail` are English)."""
    lng, code = _lang(lang), str(f.get("code") or "")
    points = f"(+{_num(f.get('points'), lang)})"
    if code == "change_type":
        kind = _REC_TYPES.get(str(f.get("change")), (str(f.get("change")).replace("_", " "),) * 2)
        text = message("effort.factor.change_type", lng, change=kind[0 if _ru(lang) else 1])
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
    saves = _money(d.get("savings_monthly"), lang)
    if _ru(lang):
        head = f"план для #{d.get('recommendation_id')} ({_n(d.get('resource_name'))}), экономия {saves}:"
    else:
        head = f"plan for #{d.get('recommendation_id')} ({_n(d.get('resource_name'))}), saves {saves}:"
    risk = "риск" if _ru(lang) else "risk"
    steps = [
        f"{s.get('order')}. {_word(s.get('title'), lang)} ({risk}: {_word(s.get('risk'), lang)})"
        for s in _items(d, "steps", limit=10)  # a plan is read whole
    ]
    return [head, *steps]


# --- analytics scope ----------------------------------------------------------------------------


def _overview(d: Data, lang: str) -> list[str]:
    span, ru = _span(d.get("range")), _ru(lang)
    change = d.get("change_pct")
    if ru:
        vs = f" ({_pct(change, lang, signed=True)} к предыдущему периоду)" if change is not None else ""
        lines = [
            f"{span}: расходы {_money(d.get('total_spend'), lang)}{vs}, "
            f"в среднем {_money(d.get('average_daily'), lang)}, темп {_money(d.get('run_rate_monthly'), lang)}"
        ]
    else:
        vs = f" ({_pct(change, lang, signed=True)} vs the previous period)" if change is not None else ""
        lines = [
            f"{span}: spent {_money(d.get('total_spend'), lang)}{vs}, "
            f"average {_money(d.get('average_daily'), lang)}, run rate {_money(d.get('run_rate_monthly'), lang)}"
        ]
    for key, ru_label, en_label in (
        ("top_provider", "главный провайдер", "top provider"),
        ("top_service", "главный сервис", "top service"),
    ):
        top = d.get(key)
        if isinstance(top, dict):
            label = ru_label if ru else en_label
            lines.append(
                f"{label}: {_n(top.get('name'))}, {_money(top.get('amount'), lang)} ({_pct(top.get('pct'), lang)})"
            )
    savings = _money(d.get("potential_savings_monthly"), lang)
    if ru:
        lines.append(f"открытых рекомендаций: {d.get('open_recommendations')}, возможная экономия {savings}")
        lines.append(f"аномалий: {d.get('anomalies')}")
    else:
        lines.append(f"open recommendations: {d.get('open_recommendations')}, potential savings {savings}")
        lines.append(f"anomalies: {d.get('anomalies')}")
    return lines


def _trends(d: Data, lang: str) -> list[str]:
    span, cur, ru = _span(d.get("range")), d.get("currency"), _ru(lang)
    gran = _GRANULARITY.get(str(d.get("granularity")), (str(d.get("granularity")),) * 2)[0 if ru else 1]
    slope = d.get("slope_pct_per_month")
    per = "/мес" if ru else "/month"
    trend = f", {'тренд' if ru else 'trend'} {_pct(slope, lang, signed=True)}{per}" if slope is not None else ""
    lines = [f"{span}: {_money(d.get('total'), lang)}, {gran}{trend}"]
    for p in _items(d, "points", latest=True):
        lines.append(f"{p.get('start')}..{p.get('end')}: {_amount(p.get('amount'), cur, 'range', lang)}")
    return lines


def _breakdown(d: Data, lang: str) -> list[str]:
    ru = _ru(lang)
    dim = str(d.get("dimension"))
    if ru:
        by = "по сервисам" if dim == "service" else "по провайдерам"
        head = f"{_span(d.get('range'))}: всего {_money(d.get('total'), lang)}, {by}:"
    else:
        head = f"{_span(d.get('range'))}: {_money(d.get('total'), lang)} in total, by {dim}:"
    lines = [head]
    for i in _items(d, "items"):
        change = i.get("change_pct")
        vs = f", {_pct(change, lang, signed=True)} {'к прошлому периоду' if ru else 'vs the previous period'}"
        lines.append(
            f"{_n(i.get('name'))}: {_money(i.get('amount'), lang)} ({_pct(i.get('pct'), lang)}"
            + (vs if change is not None else "")
            + ")"
        )
    return lines


def _anomalies(d: Data, lang: str) -> list[str]:
    ru = _ru(lang)
    span = _span(d.get("range"))
    head = f"аномалий за {span}: {d.get('count')}" if ru else f"{d.get('count')} anomalies in {span}"
    lines = [head]
    for a in _items(d, "anomalies"):
        expected = "при ожидаемых" if ru else "expected"
        lines.append(
            f"{a.get('day')} {a.get('provider_name')} {_n(a.get('service'))}: {_money(a.get('amount'), lang)}, "
            f"{expected} {_money(a.get('expected'), lang)} ({_pct(a.get('deviation_pct'), lang, signed=True)}, "
            f"{_word(a.get('kind'), lang)})"
        )
    return lines


def _top(d: Data, lang: str) -> list[str]:
    ru = _ru(lang)
    total = _money(d.get("total_savings_monthly"), lang)
    if ru:
        lines = [f"открытых рекомендаций: {d.get('open_count')}, возможная экономия {total}"]
    else:
        lines = [f"{d.get('open_count')} open recommendations worth {total}"]
    for i in _items(d, "items"):
        kind = _REC_TYPES.get(str(i.get("rec_type")), (str(i.get("rec_type")),) * 2)
        # Titles are written in Russian by the recommendation engine; their savings part is shown below.
        name = i.get("resource_name")
        if ru:
            what = str(i.get("title")).split(": экономия")[0]
        else:
            what = f"{_n(name)}: {kind[1]}" if name else f"{kind[1]} (resource {i.get('resource_id')})"
        lines.append(f"#{i.get('id')} {what} — {_money(i.get('savings_monthly'), lang)}")
    return lines


def _user(d: Data, lang: str) -> list[str]:
    names = sorted(
        {PROVIDER_NAMES.get(str(c.get("provider")), str(c.get("provider"))) for c in d.get("connections") or []}
    )
    providers = ", ".join(names) or ("нет подключений" if _ru(lang) else "no providers")
    total = _money(d.get("monthly_cost_total"), lang)
    if _ru(lang):
        return [
            f"{_n(d.get('tenant_name'))}: ресурсов {_num(d.get('resources_total'), lang)} ({providers}), {total}; "
            f"открытых рекомендаций: {d.get('open_recommendations')}"
        ]
    return [
        f"{_n(d.get('tenant_name'))}: {_num(d.get('resources_total'), lang)} resources on {providers}, {total}; "
        f"{d.get('open_recommendations')} open recommendations"
    ]


_FORECAST_PERIODS = {
    "this_month": ("до конца месяца", "this month, to its end"),
    "next_month": ("следующий месяц", "next month"),
    "next_quarter": ("следующий квартал", "next quarter"),
}


def _forecast(d: Data, lang: str) -> list[str]:
    ru = _ru(lang)
    pct = _pct(d.get("interval_pct"), lang)
    span = _span(d.get("history"))
    head = f"прогноз по данным {span}, интервал {pct}:" if ru else f"forecast from {span}, {pct} interval:"
    lines = [head]
    for p in _items(d, "periods"):
        name = _FORECAST_PERIODS.get(str(p.get("period")), (str(p.get("period")),) * 2)[0 if ru else 1]
        between = "от {low} до {high}" if ru else "{low} to {high}"
        interval = between.format(low=_money(p.get("low"), lang), high=_money(p.get("high"), lang))
        lines.append(f"{name} ({p.get('start')}..{p.get('end')}): {_money(p.get('forecast'), lang)} ({interval})")
    trend = d.get("trend_pct_per_month")
    if trend is not None:
        lines.append(("тренд " if ru else "trend ") + _pct(trend, lang, signed=True) + ("/мес" if ru else "/month"))
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
