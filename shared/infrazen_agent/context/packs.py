"""Context packs: what the model knows about a chat's scope before it calls any tool.

- recommendation pack: the recommendation, its resource, the latest utilisation snapshot, the
  top-5 alternatives with spec parity, and the prices of the SKUs involved;
- analytics pack: KPIs, the cost trend, breakdowns by service and provider, anomalies and the
  top recommendations for the session's time range.

Packs are built through the tools (the agent reads data through tools only, with the session
owner's principal), compacted (no timestamps, ids only where useful, floats rounded, long lists
cut with a count of what was left out) and held under a token budget by shrinking the longest
lists first. `tokens` is the estimate (context/tokens.py) of the JSON the model receives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..agent.grounding import Fact, facts_from_tool
from ..agent.tool_specs import spec_by_name
from ..auth import Principal
from ..errors import NotFound
from ..runtime import Runtime
from ..wording import format_money, format_number
from .tokens import estimate_tokens

# Estimated tokens of the pack as the model sees it: with the system prompt and the offered tool
# schemas, a first turn stays within 1,500 (recommendation) and 2,000 (analytics) real tokens
# (tests/chat/test_prompt_size.py counts them with cl100k).
BUDGETS = {"recommendation": 1000, "analytics": 1450}
LEAN_BUDGETS = {"recommendation": 720, "analytics": 760}
# Keys that cost tokens and carry nothing the model should quote.
_NOISE = frozenset(
    {
        "created_at",
        "updated_at",
        "connection_id",
        "source",
        "version",
        "catalog_version",
        "latency_ms",
        "truncated",
        "tags",
        "rule",
        "basis",
        "previous_period",
    }
)
_LIST_CAP = 8
_MIN_LIST = 2
# Lists a pack keeps whole however tight the budget ("top-5 alternatives").
_MIN_ITEMS = {"alternatives": 5}


@dataclass(frozen=True)
class Step:
    """One tool the pack reads: where its data goes and whether the pack can live without it."""

    section: str
    tool: str
    required: bool = False


RECOMMENDATION_STEPS = (
    Step("recommendation", "get_recommendation", required=True),
    Step("resource", "get_resource"),
    Step("snapshot", "get_latest_snapshot"),
    Step("alternatives", "list_top_alternatives"),
    Step("prices", "get_prices_for_skus"),
)
ANALYTICS_STEPS = (
    Step("overview", "get_analytics_overview"),
    Step("trend", "get_cost_trends"),
    Step("services", "get_service_breakdown"),
    Step("providers", "get_provider_breakdown"),
    Step("anomalies", "get_anomalies"),
    Step("top_recommendations", "summarize_top_recommendations"),
)


def fill_arguments(spec: dict[str, Any] | None, known: dict[str, Any]) -> dict[str, Any] | None:
    """Arguments for a tool from what the session knows, by parameter name; None when a required
    parameter has no value (the tool is then skipped, and the gap is named in the pack)."""
    params = ((spec or {}).get("function") or {}).get("parameters") or {}
    props: dict[str, Any] = params.get("properties") or {}
    args = {name: known[name] for name in props if name in known and known[name] is not None}
    if any(name not in args for name in params.get("required") or ()):
        return None
    return args


def _is_money(value: dict[str, Any]) -> bool:
    return set(value) == {"amount", "currency", "period"} and isinstance(value["amount"], int | float)


_SPEC_KEYS = frozenset({"vcpu", "ram_gb", "disk_gb", "disk_type", "cpu_class", "nodes"})


def _spec_text(spec: dict[str, Any]) -> str:
    parts = []
    if spec.get("vcpu"):
        parts.append(f"{format_number(spec['vcpu'], 'en')} vCPU")
    if spec.get("ram_gb"):
        parts.append(f"{format_number(spec['ram_gb'], 'en')} GB RAM")
    if spec.get("disk_gb"):
        parts.append(f"{format_number(spec['disk_gb'], 'en')} GB {spec.get('disk_type') or ''}".strip())
    if spec.get("cpu_class"):
        parts.append(str(spec["cpu_class"]))
    if (spec.get("nodes") or 1) > 1:
        parts.append(f"{format_number(spec['nodes'], 'en')} nodes")
    return " / ".join(parts)


def _echoes(items: list[Any], column: str, earlier: str) -> bool:
    """Whether `column` repeats `earlier` in every row (by type too: True is not 1.0)."""
    return all(type(i.get(column)) is type(i.get(earlier)) and i.get(column) == i.get(earlier) for i in items)


def compact(value: Any, cap: int = _LIST_CAP) -> Any:
    """Tool data made small: noise keys dropped, money as "5,236.00 RUB/month", a size as
    "4 vCPU / 8 GB RAM / 80 GB ssd", floats rounded, lists cut with a count of what was left out."""
    if isinstance(value, dict):
        if _is_money(value):
            return format_money(value["amount"], str(value["currency"]), "en", str(value["period"]))
        if "vcpu" in value and set(value) <= _SPEC_KEYS:
            return _spec_text(value)
        return {
            k: compact(v, cap) for k, v in value.items() if k not in _NOISE and v is not None and v != [] and v != {}
        }
    if isinstance(value, list):
        items = [compact(v, cap) for v in value[:cap]]
        more = len(value) - len(items)
        if len(items) >= 2 and all(isinstance(i, dict) for i in items):
            # A table: the keys once, then rows (the biggest saving on lists of records).
            columns = list(dict.fromkeys(k for i in items for k in i))
            # A column that repeats an earlier one in every row ("name" = "key") is said once.
            columns = [c for n, c in enumerate(columns) if not any(_echoes(items, c, e) for e in columns[:n])]
            table: dict[str, Any] = {"columns": columns, "rows": [[i.get(c) for c in columns] for i in items]}
            if more:
                table["more_not_shown"] = more
            return table
        if more:
            items.append({"more_not_shown": more})
        return items
    if isinstance(value, float):
        # Cents for money-sized values; 4 significant digits for small unit prices (0.031875).
        return round(value, 2) if abs(value) >= 1 else float(f"{value:.4g}")
    return value


# Sections the model is not shown: it asks the tool when it needs them (unit prices: the
# alternatives already carry each SKU's monthly price).
_NOT_SHOWN = frozenset({"prices"})


def model_view(pack: dict[str, Any]) -> dict[str, Any]:
    """The pack as the model sees it: keys starting with "_" and the size bookkeeping are for the
    service only; ids the data already names are not repeated."""
    view = {k: v for k, v in pack.items() if not k.startswith("_") and k not in ("tokens", "budget", "ids")}
    if isinstance(view.get("data"), dict):
        view["data"] = {k: v for k, v in view["data"].items() if k not in _NOT_SHOWN}
    return view


def render(pack: dict[str, Any]) -> str:
    return json.dumps(model_view(pack), ensure_ascii=False, separators=(",", ":"), default=str)


def session_known(recommendation_id: str | None, time_range: dict[str, Any] | None) -> dict[str, Any]:
    """Argument values a session implies, by the tools' parameter names."""
    known: dict[str, Any] = {"limit": 5}
    if recommendation_id is not None:
        known["recommendation_id"] = int(recommendation_id) if recommendation_id.isdigit() else recommendation_id
    if time_range:
        # "last N days" is the tools' own notion (it ends on the last day with data); explicit
        # dates pass as they are.
        if time_range.get("days"):
            known["days"] = days = int(time_range["days"])
        else:
            known["start"], known["end"] = time_range.get("from"), time_range.get("to")
            days = (date.fromisoformat(str(known["end"])) - date.fromisoformat(str(known["start"]))).days + 1
        # A trend of a handful of points: days for a fortnight, weeks up to a quarter, then months.
        known["granularity"] = "day" if days <= 14 else "week" if days <= 120 else "month"
    return known


def learn(known: dict[str, Any], section: str, data: dict[str, Any]) -> None:
    """Ids a later step needs, from an earlier step's output."""
    if section == "recommendation":
        resource = data.get("resource") or {}
        if isinstance(resource, dict) and resource.get("id") is not None:
            known.setdefault("resource_id", resource["id"])
        target = data.get("target") or {}
        if isinstance(target, dict) and target.get("provider") and target.get("sku"):
            known.setdefault("skus", []).insert(0, {"provider": target["provider"], "sku": target["sku"]})
    elif section == "alternatives":
        skus = known.setdefault("skus", [])
        for alt in data.get("alternatives") or []:
            ref = {"provider": alt.get("provider"), "sku": alt.get("sku")}
            if isinstance(alt, dict) and ref["provider"] and ref["sku"] and ref not in skus and len(skus) < 6:
                skus.append(ref)


_EVIDENCE_DUPLICATES = frozenset(
    {
        "current_monthly",
        "target_monthly",
        "currency",
        "period",
        "quantity",
        "billing_unit",
        "target_unit_price",
        "parity",
    }
)


# Analytics sections repeat the overview's range, currency and totals: said once, in the overview.
_OVERVIEW_ECHOES = {
    "range": "range",
    "currency": "currency",
    "total": "total_spend",
    "previous_total": "previous_total",
    "average_daily": "average_daily",
}


def _numbers_once(sections: dict[str, Any]) -> dict[str, Any]:
    overview = sections.get("overview")
    if not isinstance(overview, dict):
        return sections
    out = dict(sections)
    for name, section in sections.items():
        if name == "overview" or not isinstance(section, dict):
            continue
        out[name] = {
            k: v
            for k, v in section.items()
            if not (k in _OVERVIEW_ECHOES and overview.get(_OVERVIEW_ECHOES[k], object()) == v)
        }
    anomalies = out.get("anomalies")
    if isinstance(anomalies, dict):
        # The method in brief (its first clause); the full text is in get_anomalies' output.
        method = anomalies.get("method")
        rows = [_without(a, {"provider", "score"}) for a in anomalies.get("anomalies") or [] if isinstance(a, dict)]
        out["anomalies"] = {
            **anomalies,
            "anomalies": rows,
            **({"method": method.split(";")[0]} if isinstance(method, str) else {}),
        }
    top = out.get("top_recommendations")
    if isinstance(top, dict):
        # Yearly figures are the monthly ones × 12 (the prompt says so); a SKU is in the details.
        items = [
            _without(i, {"savings_yearly", "target_sku", "severity", "confidence"})
            for i in top.get("items") or []
            if isinstance(i, dict)
        ]
        out["top_recommendations"] = {**_without(top, {"total_savings_yearly"}), "items": items}
    if isinstance(out.get("overview"), dict):
        out["overview"] = _without(out["overview"], {"potential_savings_yearly"})
    return out


def _region_in_sku(item: dict[str, Any]) -> set[str]:
    """{"region"} when the SKU already ends with it ("….ru-msk" in ru-msk)."""
    region, sku = item.get("region"), item.get("sku")
    return {"region"} if isinstance(region, str) and isinstance(sku, str) and sku.endswith(region) else set()


def _key_with_name(item: dict[str, Any]) -> set[str]:
    """{"provider"} when the provider's name is there too: the model names it, tools do not need it."""
    return {"provider"} if item.get("provider_name") else set()


def _without(data: Any, keys: set[str] | frozenset[str]) -> Any:
    return {k: v for k, v in data.items() if k not in keys} if isinstance(data, dict) else data


def _shape(sections: dict[str, Any]) -> dict[str, Any]:
    """Drop what one section repeats of another: the resource rides along in several outputs,
    the evidence repeats the recommendation's own figures, alternatives repeat their prices."""
    out = dict(sections)
    if isinstance(out.get("resource"), dict) and set(out["resource"]) == {"resource"}:
        out["resource"] = out["resource"]["resource"]
    if isinstance(out.get("resource"), dict):
        res = out["resource"]
        out["resource"] = _without(res, {"connection", "geo"} | _region_in_sku(res) | _key_with_name(res))
        for name in ("recommendation", "alternatives"):
            out[name] = _without(out.get(name), {"resource"})
    rec = out.get("recommendation")
    if isinstance(rec, dict):
        evidence = rec.get("evidence") if isinstance(rec.get("evidence"), dict) else {}
        drop = set(_EVIDENCE_DUPLICATES) | ({"runners_up"} if "alternatives" in out else set())
        if {"current_monthly", "savings_monthly"} <= set(rec) and rec.get("target"):
            drop.add("formula")  # current − target = savings: its figures are all beside it
        target = rec.get("target")
        if isinstance(target, dict) and target.get("quantity") == 1:
            target = _without(target, {"quantity"})
        rec = {
            # status and severity are for the list views; the model has the figures themselves
            **_without(rec, {"category", "status", "severity"} | ({"target_monthly"} if rec.get("target") else set())),
            **({"target": target} if target else {}),
            "evidence": _without(evidence, drop),
        }
        out["recommendation"] = rec
    out = _numbers_once(out)
    if isinstance(out.get("snapshot"), dict):
        snapshot = _without(out["snapshot"], {"resource_id"})
        if isinstance(snapshot.get("taken_at"), str):
            snapshot["taken_at"] = snapshot["taken_at"][:10]  # the day is what an answer says
        out["snapshot"] = snapshot
    alts = out.get("alternatives")
    if isinstance(alts, dict):
        alts = _without(alts, {"current_monthly", "method"})
        rows = []
        for a in alts.get("alternatives") or []:
            if not isinstance(a, dict):
                continue
            single = a.get("quantity") == 1 and a.get("billing_unit") == "per_instance"
            row = _without(
                a,
                {"rank", "provider_name", "parity"}
                | _region_in_sku(a)
                | ({"unit_price", "quantity", "billing_unit"} if single else set()),
            )
            parity = a.get("parity") or {}
            row["parity"] = parity.get("score")
            row["exact"] = parity.get("exact")
            rows.append(row)
        alts["alternatives"] = rows
        out["alternatives"] = alts
        listed = {a.get("sku") for a in alts["alternatives"]}
        prices = out.get("prices")
        if isinstance(prices, dict):
            # Monthly prices of listed SKUs are already in the alternatives: keep their unit prices.
            out["prices"] = {
                **prices,
                "prices": [
                    {"sku": p.get("sku"), "unit_prices": p.get("unit_prices")} if p.get("sku") in listed else p
                    for p in prices.get("prices") or []
                    if isinstance(p, dict)
                ],
            }
    return out


async def build_pack(
    runtime: Runtime, principal: Principal, session: Any, *, request_id: str | None = None
) -> dict[str, Any]:
    """The session's pack. A recommendation the principal cannot see is NotFound."""
    from ..tools import ToolContext, get_registry

    registry = get_registry()
    # Admitted as a whole: by the session's start (chat_session) or the turn that rebuilds it.
    ctx = ToolContext(
        runtime=runtime,
        principal=principal,
        request_id=request_id,
        session_id=getattr(session, "id", None),
        admitted=True,
    )
    today = datetime.now(UTC)
    known = session_known(session.recommendation_id, session.time_range)
    steps: Sequence[Step] = RECOMMENDATION_STEPS if session.scope == "recommendation" else ANALYTICS_STEPS
    available = set(registry.names())
    specs = spec_by_name(registry, [s.tool for s in steps if s.tool in available])
    sections: dict[str, Any] = {}
    summaries: dict[str, str] = {}
    missing: list[str] = []
    facts: list[Fact] = []

    async def run(step: Step) -> None:
        if step.tool not in available:
            missing.append(f"{step.tool}: not available")
            return
        args = fill_arguments(specs.get(step.tool), known)
        if args is None:
            missing.append(f"{step.tool}: nothing to ask it about")
            return
        result = await registry.call(step.tool, args, ctx)
        if not result.ok:
            code = (result.error or {}).get("code", "error")
            if step.required and code in ("not_found", "forbidden", "invalid_input"):
                raise NotFound(f"{session.scope} not found")
            missing.append(f"{step.tool}: {code}")
            return
        sections[step.section] = result.data or {}
        summaries[step.section] = result.summary
        facts.extend(facts_from_tool(step.tool, result.data))
        learn(known, step.section, result.data or {})

    if session.scope == "recommendation":
        # Each step needs ids the one before it found: the recommendation names the resource,
        # the alternatives name the SKUs to price.
        await run(steps[0])
        await asyncio.gather(*(run(s) for s in steps[1:4]))
        await run(steps[4])
    else:
        await asyncio.gather(*(run(s) for s in steps))
    pack: dict[str, Any] = {"scope": session.scope, "as_of": today.date().isoformat()}
    if session.time_range:
        pack["time_range"] = session.time_range
    if getattr(session, "page_context", None):
        pack["page_context"] = session.page_context
    # Ids the model (and the offline answers) pass to tools.
    pack["ids"] = {k: known[k] for k in ("recommendation_id", "resource_id") if k in known}
    if known.get("skus"):
        pack["_skus"] = known["skus"]  # for the offline answers; not shown to the model
    # The typed facts of every output read, for the number checker; not shown to the model.
    pack["_facts"] = [f.to_list() for f in facts]
    pack["data"] = _shape({k: sections[k] for k in (s.section for s in steps) if k in sections})
    if missing:
        pack["missing"] = missing
    priority = [s.section for s in steps]
    full = fit(pack, BUDGETS[session.scope], priority, summaries)
    # A smaller fit for turns that offer the model many tools (their schemas take the room).
    small = fit(pack, LEAN_BUDGETS[session.scope], priority, summaries)
    full["_lean"] = {k: small[k] for k in ("data", "omitted_for_size", "summaries_of_omitted") if k in small}
    return full


def lean(pack: dict[str, Any]) -> dict[str, Any]:
    """The pack's smaller fit (the pack itself when it has none, e.g. one cached before)."""
    small = pack.get("_lean")
    if not isinstance(small, dict):
        return pack
    out = {k: v for k, v in pack.items() if k not in ("omitted_for_size", "summaries_of_omitted")}
    return {**out, **small}


def fit(
    pack: dict[str, Any], budget: int, priority: Sequence[str], summaries: dict[str, str] | None = None
) -> dict[str, Any]:
    """Compact the pack, then shrink the lists of the least important sections first (`priority`:
    most important first), then drop whole sections until it fits. A dropped section leaves its
    one-line summary behind (and its name in `omitted_for_size`: the model can call the tool)."""
    data: dict[str, Any] = dict(pack.get("data", {}))
    caps = dict.fromkeys(data, _LIST_CAP)
    omitted: list[str] = []
    order = [s for s in priority if s in data][::-1]  # least important first
    while True:
        out = {**pack, "data": {k: compact(v, caps[k]) for k, v in data.items()}}
        if omitted:
            out["omitted_for_size"] = omitted
            out["summaries_of_omitted"] = {k: (summaries or {}).get(k, "") for k in omitted}
        tokens = estimate_tokens(render(out))
        if tokens <= budget:
            break
        shrinkable = next((s for s in order if caps[s] > _MIN_ITEMS.get(s, _MIN_LIST)), None)
        if shrinkable is not None:
            caps[shrinkable] -= 1
            continue
        if len(order) <= 1:
            break  # the most important section stays, even over budget
        dropped = order.pop(0)
        omitted.append(dropped)
        del data[dropped]
    out["tokens"] = tokens
    out["budget"] = budget
    return out
