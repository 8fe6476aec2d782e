"""The report's own arithmetic on tool figures: scenario sums, savings per target provider and per
phase, money already spent on idle resources, hours per role, payback. Each result is a typed fact
with the formula it came from (cited in the report's method notes), so the number checker traces
the report's figures to tool output or to one of these, and nothing else."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..agent.grounding import Fact
from .collect import CLEANUP_TYPES, ReportData

DAYS_PER_MONTH = 30.42  # the tools' own month (run rate = average daily × 30.42)
# Conservative scenario: what is near-certain and cheap to do.
CONSERVATIVE_CONFIDENCE = 0.8
CONSERVATIVE_MAX_EFFORT = 2
# Who does the work, by recommendation type (the ROI section's hours per role).
ROLE_OF_TYPE = {
    "cross_provider_server": "devops",
    "cross_provider_dbaas": "dba",
    "rightsize_cpu": "devops",
    "stopped_server": "devops",
    "old_snapshot": "devops",
    "unused_ip": "devops",
}
PHASES = ("now", "short", "long")  # today · 1–3 months · 3–6 months


def phase_of(rec_type: str, effort: int | None) -> str:
    if rec_type in CLEANUP_TYPES or (effort is not None and effort <= 1):
        return "now"
    if effort is None or effort <= 3:
        return "short"
    return "long"


@dataclass
class Figures:
    currency: str
    facts: list[Fact] = field(default_factory=list)
    formulas: dict[str, str] = field(default_factory=dict)  # fact name → how it was computed

    def add(self, name: str, value: float, kind: str, unit: str | None, period: str | None, formula: str) -> float:
        value = round(value, 2)
        self.facts.append(Fact(value, kind, name, unit, period, f"report:{name}"))  # type: ignore[arg-type]
        self.formulas.setdefault(name.rsplit("#", 1)[0], formula)
        return value

    def money(self, name: str, value: float, period: str, formula: str) -> float:
        return self.add(name, value, "money", self.currency, period, formula)


@dataclass(frozen=True)
class Opportunity:
    item: dict[str, Any]
    effort: dict[str, Any] | None
    phase: str
    role: str

    @property
    def savings(self) -> float:
        return float(self.item["savings_monthly"]["amount"])

    @property
    def hours(self) -> int:
        return int(self.effort["estimated_hours"]) if self.effort else 0


def opportunities(data: ReportData) -> list[Opportunity]:
    out = []
    for item in data["recommendations"]["items"]:
        effort = data.get(f"effort.{item['id']}")
        score = int(effort["score"]) if effort else None
        out.append(
            Opportunity(item, effort, phase_of(item["rec_type"], score), ROLE_OF_TYPE.get(item["rec_type"], "devops"))
        )
    return out


def _one_per_resource(ops: list[Opportunity]) -> list[Opportunity]:
    best: dict[int, Opportunity] = {}
    for op in ops:
        rid = int(op.item["resource_id"])
        if rid not in best or op.savings > best[rid].savings:
            best[rid] = op
    return list(best.values())


@dataclass
class Derived:
    figures: Figures
    ops: list[Opportunity]
    conservative: float
    conservative_pct: float | None
    full: float
    full_pct: float | None
    by_provider: list[dict[str, Any]]
    by_phase: dict[str, dict[str, Any]]
    cleanup: list[dict[str, Any]]
    cleanup_spent: float
    cleanup_monthly: float
    hours_by_role: dict[str, int]
    hours_total: int
    hourly_rate: float | None
    work_cost: float | None
    payback_months: float | None
    cleanup_count: int
    roi_count: int
    roi_savings: float


def derive(data: ReportData, hourly_rates: dict[str, float]) -> Derived:
    cur = data.currency
    fig = Figures(cur)
    ov = data["overview"]
    run_rate = float(ov["run_rate_monthly"]["amount"])
    ops = opportunities(data)
    unique = _one_per_resource(ops)
    cleanup_ids = {int(i["resource_id"]) for t in CLEANUP_TYPES for i in data[f"cleanup.{t}"]["items"]}

    # Cleanup (every open item of the cleanup types: the tools' own totals) is certain; on top of
    # it, the top recommendations that are near-certain and cheap, one per resource, filtered first.
    cleanup_monthly = sum(float(data[f"cleanup.{t}"]["total_savings_monthly"]["amount"]) for t in CLEANUP_TYPES)
    cleanup_count = sum(int(data[f"cleanup.{t}"]["open_count"]) for t in CLEANUP_TYPES)
    sure = [
        o
        for o in ops
        if o.item["rec_type"] not in CLEANUP_TYPES
        and int(o.item["resource_id"]) not in cleanup_ids
        and float(o.item["confidence"]) >= CONSERVATIVE_CONFIDENCE
        and o.effort is not None
        and int(o.effort["score"]) <= CONSERVATIVE_MAX_EFFORT
    ]
    sure = _one_per_resource(sure)
    conservative = fig.money(
        "scenario.conservative.savings",
        cleanup_monthly + sum(o.savings for o in sure),
        "month",
        "every cleanup item's monthly savings + the top recommendations with confidence "
        f"≥ {CONSERVATIVE_CONFIDENCE:g} and effort ≤ {CONSERVATIVE_MAX_EFFORT}/5, one per resource",
    )
    fig.add(
        "recommendations.scenario.conservative",
        cleanup_count + len(sure),
        "count",
        None,
        None,
        "cleanup items + the near-certain, cheap top recommendations",
    )
    full = float(data["recommendations"]["total_savings_monthly"]["amount"])

    def pct(part: float) -> float | None:
        return round(part / run_rate * 100, 1) if run_rate else None

    conservative_pct = pct(conservative)
    full_pct = pct(full)
    for name, value in (("scenario.conservative.pct", conservative_pct), ("scenario.full.pct", full_pct)):
        if value is not None:
            fig.add(name, value, "percent", "%", None, "scenario savings ÷ monthly run rate × 100")

    providers: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "savings": 0.0})
    for op in ops:
        key = op.item.get("target_provider")
        if not key:
            continue
        rec = providers[key]
        rec["count"] += 1
        rec["savings"] += op.savings
    by_provider = []
    for key, rec in sorted(providers.items(), key=lambda kv: -kv[1]["savings"]):
        # "savings.by_target…", never "target…": a target-cost cue must not find these
        n = f"savings.by_target.{key}"
        by_provider.append(
            {
                "provider": key,
                "count": int(
                    fig.add(f"recommendations.by_target.{key}", rec["count"], "count", None, None, "moves there")
                ),
                "savings": fig.money(n, rec["savings"], "month", "sum of the monthly savings of the moves there"),
            }
        )

    # The phases: today = every cleanup item (the tools' totals) + the quick top ones; the others by effort.
    by_phase: dict[str, dict[str, Any]] = {}
    for phase in PHASES:
        items = [o for o in unique if o.phase == phase and o.item["rec_type"] not in CLEANUP_TYPES]
        extra_count, extra_savings = (cleanup_count, cleanup_monthly) if phase == "now" else (0, 0.0)
        by_phase[phase] = {
            "items": items,
            "savings": fig.money(
                f"phase.{phase}.savings",
                extra_savings + sum(o.savings for o in items),
                "month",
                "sum of the phase's monthly savings (today: with every cleanup item)",
            ),
            "count": int(
                fig.add(
                    f"recommendations.phase.{phase}", extra_count + len(items), "count", None, None, "recommendations"
                )
            ),
        }

    cleanup, spent_total, shown_monthly = [], 0.0, 0.0
    for t in CLEANUP_TYPES:
        for item in data[f"cleanup.{t}"]["items"]:
            detail = data.get(f"rec.{item['id']}")
            ev = (detail or {}).get("evidence", {})
            days = ev.get("days_stopped") or ev.get("days_unused") or ev.get("age_days")
            monthly = float(item["savings_monthly"]["amount"])
            shown_monthly += monthly
            spent = None
            if isinstance(days, int | float) and days > 0:
                spent = fig.money(
                    f"cleanup.spent#{item['id']}",
                    monthly * float(days) / DAYS_PER_MONTH,
                    "range",
                    f"monthly cost × days stopped, unused or (snapshots) since creation ÷ {DAYS_PER_MONTH:g}",
                )
                spent_total += spent
            cleanup.append({"item": item, "days": days, "spent": spent, "rec": detail})
    fig.add("resources.count.idle", cleanup_count, "count", None, None, "open cleanup items (the tools' counts)")
    fig.add("resources.count.idle_shown", len(cleanup), "count", None, None, "cleanup items listed")
    spent_total = fig.money("cleanup.spent_total", spent_total, "range", "sum of the listed items' money already spent")
    cleanup_monthly = fig.money("cleanup.savings", cleanup_monthly, "month", "the cleanup types' savings totals")

    # ROI over the top recommendations that have an effort estimate (the others are left out, said so).
    estimated = [o for o in unique if o.effort is not None]
    hours: dict[str, int] = defaultdict(int)
    for op in estimated:
        hours[op.role] += op.hours
    for role, h in hours.items():
        fig.add(f"roi.hours.{role}", h, "duration", "h", None, "sum of the effort estimates' hours by role")
    hours_total = int(fig.add("roi.hours", sum(hours.values()), "duration", "h", None, "sum of the effort hours"))
    fig.add("recommendations.roi", len(estimated), "count", None, None, "top recommendations with an estimate")
    rate = hourly_rates.get(cur)
    work_cost = payback = None
    roi_savings = sum(o.savings for o in estimated)
    if rate is not None and rate > 0:
        fig.add("roi.hourly_rate", rate, "money", cur, "hour", "REPORT_HOURLY_RATES (an assumption)")
        work_cost = fig.money("roi.work_cost", hours_total * rate, "range", "hours × the hourly rate")
        fig.money("roi.savings", roi_savings, "month", "monthly savings of the same recommendations")
        if roi_savings > 0:
            payback = fig.add(
                "roi.payback",
                work_cost / roi_savings,
                "duration",
                "month",
                None,
                "work cost ÷ the monthly savings of the same recommendations",
            )
    return Derived(
        fig,
        ops,
        conservative,
        conservative_pct,
        full,
        full_pct,
        by_provider,
        by_phase,
        cleanup,
        spent_total,
        cleanup_monthly,
        dict(hours),
        hours_total,
        rate,
        work_cost,
        payback,
        cleanup_count,
        len(estimated),
        roi_savings,
    )
