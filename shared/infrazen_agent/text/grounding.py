"""The typed facts of a recommendation text: what the model may cite when it rewrites the draft.

Declared on the `Facts` model the model is shown, so a figure in its prose traces only to what
that model holds, by kind, currency and period.
"""

from __future__ import annotations

from ..agent.grounding import Fact
from ..agent.grounding.facts import Keys, Named, Quantity, Text, declare, facts_of, percent
from ..data.model import Spec
from ..tools import facts as _tool_facts  # noqa: F401 - declares the facts of `Spec`
from .model import Effort, Facts

declare(
    Effort,
    score=Quantity("score", "score", "/5"),
    estimated_hours=Quantity("duration", "hours", "h"),
    factors=Text("factor"),
)
declare(
    Facts,
    spec_text=Text("resource.spec"),
    current_monthly=Named("cost.current"),
    target_monthly=Named("cost.target"),
    monthly_savings=Named("savings"),
    yearly_savings=Named("savings"),
    savings_percent=percent("savings.percent"),
    target_quantity=Quantity("count", "target.quantity"),
    cpu_avg_pct=percent("snapshot.cpu_avg"),
    cpu_p95_pct=percent("snapshot.cpu_p95"),
    ram_p95_pct=percent("snapshot.ram_p95"),
    snapshot_window_days=Quantity("duration", "snapshot.window_days", "day"),
    projected_cpu_p95_pct=percent("target.cpu_p95_projected"),
    age_days=Quantity("duration", "resource.age_days", "day"),
    days_unused=Quantity("duration", "resource.days_unused", "day"),
    effort=Named("effort"),
    formula=Text("formula"),
    evidence=Keys(
        {
            "target_unit_price": Quantity("money", "target.unit_price", period="month"),
            "quantity": Quantity("count", "target.quantity"),
            "days_stopped": Quantity("duration", "resource.days_stopped", "day"),
            "from_shape": Text("resource.shape"),
            "to_shape": Text("target.shape"),
            "kept": Text("target.kept"),
        }
    ),
)
# Figures of the texts' own advice (not data): watch the move for a week, roll back above 80 % p95.
WATCH_DAYS = 7
ROLLBACK_P95_PCT = 80.0


def policy_facts() -> list[Fact]:
    return [
        Fact(WATCH_DAYS, "duration", "advice.watch_days", "day", None, "text.templates"),
        Fact(ROLLBACK_P95_PCT, "percent", "advice.rollback_p95", "%", None, "text.templates"),
    ]


_RISK_KINDS = {"data_migration": ("size", "GB"), "performance_headroom": ("percent", "%")}


def text_facts(facts: Facts) -> list[Fact]:
    data = facts.model_dump(mode="json")
    out = facts_of(Facts, data, path="facts")
    out += facts_of(Spec, facts._spec, prefix="resource.spec", path="facts.spec")  # the tool's own spec
    for i, risk in enumerate(facts.risks):
        if risk.kind in _RISK_KINDS and isinstance(risk.value, int | float):
            kind, unit = _RISK_KINDS[risk.kind]
            out.append(Fact(float(risk.value), kind, f"risk.{risk.kind}", unit, None, f"facts.risks[{i}].value"))  # type: ignore[arg-type]
    return out + policy_facts()
