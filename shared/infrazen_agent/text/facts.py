"""Facts first: gathered through the tools (audited, tenant-scoped, rate-limited like any agent call)
and turned into savings, effort, risks, confidence and next steps by fixed rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..data.money import MONTHS_PER_YEAR, Money, money, round2
from ..errors import NotFound, error_from_code
from ..guard.text import safe_name
from ..tools import get_registry
from ..tools.planning import downtime_risk
from ..tools.registry import ToolContext, ToolResult
from ..wording import format_number
from ..wording.tool_lines import effort_factor
from .model import Effort, Facts, Language, RiskFact, TextRequest

HIGH_P95 = 80.0
WATCH_P95 = 60.0


async def call(ctx: ToolContext, name: str, **arguments: Any) -> dict[str, Any]:
    """A tool's data, or the tool's own error raised as ours (not found stays 404, etc.)."""
    return data_of(name, await get_registry().call(name, arguments, ctx))


def data_of(name: str, result: ToolResult) -> dict[str, Any]:
    if result.ok and result.data is not None:
        return result.data
    error = result.error or {}
    raise error_from_code(error.get("code", "internal_error"), error.get("message", f"{name} failed"))


async def call_round(ctx: ToolContext, calls: Sequence[tuple[str, dict[str, Any]]]) -> list[ToolResult]:
    """One round of independent calls: one rate-limit round trip, one audit INSERT, shared reads."""
    return await get_registry().call_many(calls, ctx)


def _m(data: dict[str, Any]) -> Money:
    return Money.model_validate(data)


def confidence_label(value: float) -> str:
    return "high" if value >= 0.8 else "medium" if value >= 0.6 else "low"


def spec_text(spec: dict[str, Any], lang: Language = "en") -> str:
    """A size, "16 vCPU / 32 GB RAM / 160 GB ssd / × 3": the same words in both languages, the numbers
    written the reader's way."""
    parts = []
    if spec.get("vcpu"):
        parts.append(f"{format_number(spec['vcpu'], lang)} vCPU")
    if spec.get("ram_gb"):
        parts.append(f"{format_number(spec['ram_gb'], lang)} GB RAM")
    if spec.get("disk_gb"):
        parts.append(f"{format_number(spec['disk_gb'], lang)} GB {spec.get('disk_type') or ''}".strip())
    if (spec.get("nodes") or 1) > 1:
        parts.append(f"× {format_number(spec['nodes'], lang)}")
    return " / ".join(parts)


def _risks(
    rec_type: str,
    res: dict[str, Any],
    snap: dict[str, Any] | None,
    evidence: dict[str, Any],
    projected_p95: float | None,
    target_provider: str | None,
) -> list[RiskFact]:
    spec = res["spec"]
    risks: list[RiskFact] = []
    p95 = snap.get("cpu_p95_pct") if snap else None
    if rec_type in ("cross_provider_server", "cross_provider_dbaas"):
        risks.append(RiskFact(level=downtime_risk(res.get("tags") or {}), kind="downtime", value=None))
        data_gb = (spec.get("disk_gb") or 0) * (spec.get("nodes") or 1)
        risks.append(RiskFact(level="medium" if data_gb > 200 else "low", kind="data_migration", value=data_gb))
        risks.append(RiskFact(level="low", kind="provider_lock_in", value=target_provider))
        if rec_type == "cross_provider_dbaas":
            risks.append(RiskFact(level="medium", kind="managed_differences", value=None))
        if p95 is not None and p95 >= HIGH_P95:
            risks.append(RiskFact(level="medium", kind="performance_headroom", value=p95))
    elif rec_type == "rightsize_cpu":
        level = "low"
        if projected_p95 is not None:
            level = "high" if projected_p95 >= HIGH_P95 else "medium" if projected_p95 >= WATCH_P95 else "low"
        risks.append(RiskFact(level=level, kind="performance_headroom", value=projected_p95))
        risks.append(RiskFact(level="low", kind="restart", value=None))
    elif rec_type == "stopped_server":
        risks.append(RiskFact(level="medium", kind="data_loss", value=None))
    elif rec_type == "old_snapshot":
        orphan = "caution" in evidence
        risks.append(RiskFact(level="high" if orphan else "medium", kind="irreversible", value=None))
    elif rec_type == "unused_ip":
        risks.append(
            RiskFact(
                level="medium" if "caution" in evidence else "low",
                kind="dns_reference",
                value=evidence.get("caution"),
            )
        )
    if not spec.get("vcpu") and res["resource_type"] in ("server",):
        risks.append(RiskFact(level="medium", kind="unknown_spec", value=None))
    return risks


def _effort(result: ToolResult) -> Effort:
    data = data_of("estimate_migration_effort", result)
    effort = Effort(
        score=data["score"],
        label=data["label"],
        factors=[effort_factor(f, "en") for f in data["factors"]],
        estimated_hours=data.get("estimated_hours"),
    )
    effort._tool_factors = list(data["factors"])
    return effort


def _snapshot(result: ToolResult) -> dict[str, Any] | None:
    if not result.ok and (result.error or {}).get("code") == "not_found":
        return None  # no utilisation data yet: the text says so through the risks
    return data_of("get_latest_snapshot", result)


def _subject_fields(res: dict[str, Any], snap: dict[str, Any] | None, current: Money, target: Money) -> dict[str, Any]:
    """The facts both paths share: the resource, the savings and the utilisation snapshot."""
    monthly, yearly, percent = _savings(current.amount, target.amount, current.currency)
    snap = snap or {}
    return {
        "resource_id": res["id"],
        "resource_name": safe_name(res["name"]),  # tenant data: printed into markdown and HTML
        "resource_type": res["resource_type"],
        "provider": res["provider"],
        "provider_name": res["provider_name"],
        "region": safe_name(res["region"]),
        "spec_text": spec_text(res["spec"]),
        "current_monthly": current,
        "target_monthly": target,
        "monthly_savings": monthly,
        "yearly_savings": yearly,
        "savings_percent": percent,
        "cpu_avg_pct": snap.get("cpu_avg_pct"),
        "cpu_p95_pct": snap.get("cpu_p95_pct"),
        "ram_p95_pct": snap.get("ram_p95_pct"),
        "snapshot_window_days": snap.get("window_days"),
    }


def _savings(current: float, target: float, currency: str) -> tuple[Money, Money, float]:
    monthly = round2(current - target)
    percent = round(monthly / current * 100, 1) if current else 0.0
    return money(monthly, currency), money(monthly * MONTHS_PER_YEAR, currency, "year"), percent


def _subject_of(rec: dict[str, Any]) -> dict[str, Any]:
    target = rec.get("target") or {}
    return {
        "resource_id": rec["resource"]["id"],
        "target_provider": target.get("provider"),
        "target_sku": target.get("sku"),
    }


def _around_calls(rec_id: int, subject: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The calls around a recommendation: its snapshot, its effort and (with a target) the target's price."""
    calls = [
        ("get_latest_snapshot", {"resource_id": subject["resource_id"]}),
        ("estimate_migration_effort", {"recommendation_id": rec_id}),
    ]
    if subject["target_sku"]:
        sku = {"provider": subject["target_provider"], "sku": subject["target_sku"]}
        calls.append(("get_prices_for_skus", {"skus": [sku]}))
    return calls


def _around(results: Sequence[ToolResult]) -> tuple[dict[str, Any] | None, Effort, dict[str, Any] | None]:
    snap, effort = _snapshot(results[0]), _effort(results[1])
    prices = data_of("get_prices_for_skus", results[2]) if len(results) > 2 else None
    return snap, effort, prices


async def from_recommendation(ctx: ToolContext, rec_id: int, subject: dict[str, Any] | None = None) -> Facts:
    """`subject` (resource and target, from the facts stamp) lets all four tools run in one round;
    the recommendation read is the authority, and a mismatch (a concurrent change) reads again."""
    rec_call = ("get_recommendation", {"recommendation_id": rec_id})
    if subject is None:
        rec = data_of(rec_call[0], (await call_round(ctx, [rec_call]))[0])
        snap, effort, prices = _around(await call_round(ctx, _around_calls(rec_id, _subject_of(rec))))
    else:
        results = await call_round(ctx, [rec_call, *_around_calls(rec_id, subject)])
        rec = data_of(rec_call[0], results[0])  # the recommendation's own error comes first
        if _subject_of(rec) == subject:
            snap, effort, prices = _around(results[1:])
        else:
            snap, effort, prices = _around(await call_round(ctx, _around_calls(rec_id, _subject_of(rec))))
    res = rec["resource"]
    target = rec.get("target")
    current, target_m = _m(rec["current_monthly"]), _m(rec["target_monthly"])
    projected = None
    if rec["rec_type"] == "rightsize_cpu" and snap and snap.get("cpu_p95_pct") is not None:
        ratio = rec["evidence"].get("vcpu_ratio") or _vcpu_ratio(res, prices)
        projected = round(min(100.0, snap["cpu_p95_pct"] * ratio), 1) if ratio else None
    facts = Facts(
        rec_type=rec["rec_type"],
        recommendation_id=rec["id"],
        **_subject_fields(res, snap, current, target_m),
        target_provider=target["provider"] if target else None,
        target_provider_name=target["provider_name"] if target else None,
        target_sku=target["sku"] if target else None,
        target_region=target["region"] if target else None,
        target_quantity=target["quantity"] if target else None,
        projected_cpu_p95_pct=projected,
        age_days=rec["evidence"].get("age_days"),
        days_unused=rec["evidence"].get("days_unused"),
        confidence=rec["confidence"],
        confidence_label=confidence_label(rec["confidence"]),
        effort=effort,
        risks=_risks(rec["rec_type"], res, snap, rec["evidence"], projected, target["provider"] if target else None),
        formula=str(rec["evidence"].get("formula", "")),
        evidence=rec["evidence"],
        catalog_version=(prices["prices"][0]["version"] if prices and prices["prices"] else None),
    )
    facts._spec = dict(res["spec"])
    return facts


def _vcpu_ratio(res: dict[str, Any], prices: dict[str, Any] | None) -> float | None:
    if not prices or not prices["prices"]:
        return None
    new_vcpu = prices["prices"][0]["spec"].get("vcpu")
    old_vcpu = res["spec"].get("vcpu")
    return old_vcpu / new_vcpu if old_vcpu and new_vcpu else None


async def from_resource(ctx: ToolContext, req: TextRequest) -> Facts:
    assert req.resource_id is not None
    args: dict[str, Any] = {"resource_id": req.resource_id, "limit": 5}
    if req.target_provider:
        args["provider"] = req.target_provider
    alts = await call(ctx, "list_top_alternatives", **args)
    candidates = alts["alternatives"]
    if req.candidate_skus:
        wanted = set(req.candidate_skus)
        candidates = [a for a in candidates if a["sku"] in wanted]
    if not candidates:
        raise NotFound("no equivalent alternative among the candidates for this resource")
    # Only a cheaper equivalent is a recommendation; a pricier one is never shown as "savings".
    candidates = [a for a in candidates if a["delta"]["amount"] < 0]
    if not candidates:
        raise NotFound("no cheaper equivalent alternative for this resource: it is already priced well")
    best = candidates[0]
    res = alts["resource"]
    # The alternative already carries its catalog price (unit price, quantity, version).
    snap_result, effort_result = await call_round(
        ctx,
        [
            ("get_latest_snapshot", {"resource_id": res["id"]}),
            ("estimate_migration_effort", {"resource_id": res["id"], "target_provider": best["provider"]}),
        ],
    )
    snap, effort = _snapshot(snap_result), _effort(effort_result)
    current, target_m = _m(alts["current_monthly"]), _m(best["monthly"])
    monthly = _savings(current.amount, target_m.amount, current.currency)[0]  # for the formula
    rec_type = "cross_provider_server" if res["resource_type"] == "server" else "cross_provider_dbaas"
    unit = _m(best["unit_price"])
    formula = (
        f"{current.amount:.2f} − {unit.amount:.2f} × {best['quantity']} = {monthly.amount:.2f} {current.currency}/month"
    )
    evidence = {
        "rule": "alternatives@1",
        "formula": formula,
        "parity": best["parity"],
        "method": alts["method"],
    }
    facts = Facts(
        rec_type=rec_type,
        recommendation_id=None,
        **_subject_fields(res, snap, current, target_m),
        target_provider=best["provider"],
        target_provider_name=best["provider_name"],
        target_sku=best["sku"],
        target_region=best["region"],
        target_quantity=best["quantity"],
        confidence=round(0.85 * float(best["parity"]["score"]), 2),
        confidence_label=confidence_label(0.85 * float(best["parity"]["score"])),
        effort=effort,
        risks=_risks(rec_type, res, snap, evidence, None, best["provider"]),
        formula=formula,
        evidence=evidence,
        catalog_version=alts.get("catalog_version"),
    )
    facts._spec = dict(res["spec"])
    return facts
