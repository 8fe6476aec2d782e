"""Planning tools: a migration effort score with the factors that produced it, and a staged plan
with risk flags and rollback notes. Both are deterministic rules over the recommendation and its
resource, so the same question always gets the same answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from ..data.model import Recommendation, Resource, Spec
from ..data.money import Money, money
from ..wording import format_amount, format_number
from .common import ToolInput, provider_name, source_of, spec_text
from .registry import Tool, ToolContext

LABELS = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}
HOURS = {1: 1, 2: 4, 3: 12, 4: 32, 5: 80}
BASE = {
    "unused_ip": 1,
    "old_snapshot": 1,
    "stopped_server": 1,
    "rightsize_cpu": 1,
    "cross_provider_server": 2,
    "cross_provider_dbaas": 3,
}


class EffortInput(ToolInput):
    recommendation_id: int | None = Field(default=None, ge=1)
    resource_id: int | None = Field(
        default=None, ge=1, description="with target_provider, when there is no recommendation"
    )
    target_provider: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one_subject(self) -> EffortInput:
        if (self.recommendation_id is None) == (self.resource_id is None):
            raise ValueError("give recommendation_id, or resource_id (with target_provider)")
        return self


FactorCode = Literal[
    "change_type", "new_provider", "data_to_move", "cluster", "managed_service", "production", "restart"
]


class Factor(BaseModel):
    # `factor` and `detail` are the English wording; `code` and the values below are what a reader in
    # any language is written from (wording/tool_lines.py), so nothing is translated from English.
    code: FactorCode
    factor: str
    detail: str
    points: int
    change: str | None = Field(default=None, description="change_type: the recommendation type")
    source_provider: str | None = None
    target_provider: str | None = None
    size_gb: float | None = Field(default=None, description="data_to_move: gigabytes")
    nodes: int | None = Field(default=None, description="cluster: nodes to replicate")


class EffortOut(BaseModel):
    score: int = Field(ge=1, le=5, description="points_total clamped to 1–5")
    points_total: int = Field(description="the factors' points added up")
    label: str
    factors: list[Factor]
    estimated_hours: int
    subject: str
    resource_type: str
    resource_name: str
    spec: Spec
    assumptions: str


def estimate(kind: str, res: Resource, target_provider: str | None) -> EffortOut:
    factors = [
        Factor(
            code="change_type",
            factor="change type",
            detail=kind.replace("_", " "),
            points=BASE.get(kind, 2),
            change=kind,
        )
    ]
    moving = target_provider is not None and target_provider != res.provider
    if kind.startswith("cross_provider") or kind == "migration":
        if moving:
            factors.append(
                Factor(
                    code="new_provider",
                    factor="new provider",
                    detail=f"{provider_name(res.provider)} → {provider_name(target_provider or '')}: "
                    "accounts, network, images, IAM",
                    points=1,
                    source_provider=provider_name(res.provider),
                    target_provider=provider_name(target_provider or ""),
                )
            )
        size = (res.spec.disk_gb or 0) * res.spec.nodes
        if size > 200:
            factors.append(
                Factor(
                    code="data_to_move",
                    factor="data to move",
                    detail=f"{format_number(size, 'en')} GB",
                    points=1,
                    size_gb=size,
                )
            )
        if res.spec.nodes > 1:
            factors.append(
                Factor(
                    code="cluster",
                    factor="cluster",
                    detail=f"{res.spec.nodes} nodes to replicate",
                    points=1,
                    nodes=res.spec.nodes,
                )
            )
        if res.resource_type != "server":
            factors.append(
                Factor(
                    code="managed_service",
                    factor="managed service",
                    detail="engine versions, extensions and connection strings differ",
                    points=0,
                )
            )
    if kind in ("rightsize_cpu", "cross_provider_server", "migration") and res.tags.get("env") == "prod":
        factors.append(Factor(code="production", factor="production", detail="needs a maintenance window", points=1))
    if kind == "rightsize_cpu":
        factors.append(Factor(code="restart", factor="restart", detail="resizing restarts the server", points=0))
    total = sum(f.points for f in factors)
    score = max(1, min(5, total))
    return EffortOut(
        score=score,
        points_total=total,
        label=LABELS[score],
        factors=factors,
        estimated_hours=HOURS[score],
        subject=f"{res.resource_type} {res.name} ({spec_text(res.spec)})",
        resource_type=res.resource_type,
        resource_name=res.name,
        spec=res.spec,
        assumptions="hours are for one engineer familiar with both providers; score = the sum of the factors' "
        "points (points_total), clamped to 1–5",
    )


async def estimate_migration_effort(ctx: ToolContext, args: EffortInput) -> tuple[EffortOut, str]:
    source = source_of(ctx)
    if args.recommendation_id is not None:
        rec = await source.recommendation(ctx.principal, args.recommendation_id)
        res = await source.resource(ctx.principal, rec.resource_id)
        out = estimate(rec.rec_type, res, rec.target_provider)
    else:
        assert args.resource_id is not None
        res = await source.resource(ctx.principal, args.resource_id)
        out = estimate("migration", res, args.target_provider)
    return (
        out,
        f"effort {out.score}/5 ({out.label}), about {format_number(out.estimated_hours, 'en')} h for {out.subject}",
    )


class PlanInput(ToolInput):
    recommendation_id: int = Field(ge=1)


class Step(BaseModel):
    order: int
    title: str
    detail: str
    risk: Literal["low", "medium", "high"]
    risk_flags: list[str]
    rollback: str


class PlanOut(BaseModel):
    recommendation_id: int
    rec_type: str
    resource_name: str
    savings_monthly: Money
    effort_score: int
    steps: list[Step]


def downtime_risk(tags: dict[str, str]) -> Literal["medium", "high"]:
    """The risk of a move's switch-over, the same in the plan and in the recommendation text:
    high for production (users notice), medium otherwise."""
    return "high" if tags.get("env") == "prod" else "medium"


def _steps(rec: Recommendation, res: Resource) -> list[tuple[str, str, str, list[str], str]]:
    name, target = res.name, f"{provider_name(rec.target_provider or '')} {rec.target_sku or ''}".strip()
    if rec.rec_type in ("cross_provider_server", "cross_provider_dbaas"):
        db = rec.rec_type == "cross_provider_dbaas"
        return [
            (
                "Prepare the target",
                f"Create {target} in {rec.target_region} ({spec_text(res.spec)}) with network "
                "and access rules matching the current ones.",
                "low",
                [],
                "Delete the new resource.",
            ),
            (
                "Copy the data",
                "Set up replication to the target cluster."
                if db
                else "Copy the disk or redeploy from configuration management; sync data.",
                "medium",
                ["data consistency"] + (["replication lag"] if db else []),
                "Stop the copy; the source is untouched.",
            ),
            (
                "Test on the target",
                "Run smoke and load tests against the target; compare latency.",
                "low",
                [],
                "Nothing to undo.",
            ),
            (
                "Switch traffic",
                "Lower DNS TTL beforehand, then switch DNS / connection strings in a maintenance window.",
                downtime_risk(res.tags),
                ["downtime", "DNS propagation"] + (["write freeze"] if db else []),
                "Switch DNS / connection strings back to the source, which is still running.",
            ),
            ("Observe", "Watch errors, latency and cost for 7 days.", "low", [], "Switch back as above."),
            (
                "Decommission the source",
                f"Delete {name} at {provider_name(res.provider)} after a final backup.",
                "medium",
                ["irreversible"],
                "Restore from the final backup.",
            ),
        ]
    if rec.rec_type == "rightsize_cpu":
        return [
            (
                "Confirm the low load",
                "Check the utilisation snapshot and application peaks (month end, batch jobs).",
                "low",
                [],
                "Nothing to undo.",
            ),
            ("Snapshot the disk", f"Take a snapshot of {name} before resizing.", "low", [], "Delete the snapshot."),
            (
                "Resize",
                f"Change the flavour to {rec.target_sku} in a maintenance window (the server restarts).",
                "medium",
                ["restart", "short downtime"],
                "Resize back to the previous flavour.",
            ),
            (
                "Observe",
                "Watch CPU p95 and RAM for 7 days; alert above 80 %.",
                "low",
                ["performance"],
                "Resize back if p95 stays above 80 %.",
            ),
        ]
    if rec.rec_type == "stopped_server":
        return [
            (
                "Confirm nobody needs it",
                f"Ask the owner of {name} (tags: {res.tags or 'none'}).",
                "low",
                [],
                "Nothing to undo.",
            ),
            (
                "Snapshot the disk",
                f"Take a snapshot of the {format_number(res.spec.disk_gb or 0, 'en')} GB disk ({rec.target_sku}).",
                "low",
                [],
                "Delete the snapshot.",
            ),
            (
                "Delete the server and its disk",
                "Remove the stopped server; keep the snapshot.",
                "medium",
                ["irreversible without the snapshot"],
                "Create a server from the snapshot.",
            ),
        ]
    if rec.rec_type == "old_snapshot":
        return [
            (
                "Check retention rules",
                "Make sure no policy or audit requires keeping this snapshot.",
                "low",
                ["compliance"],
                "Nothing to undo.",
            ),
            (
                "Delete the snapshot",
                f"Delete {name}.",
                "medium",
                ["irreversible"],
                "None: export the snapshot first if in doubt.",
            ),
        ]
    return [
        (
            "Check DNS and configs",
            f"Search DNS records and configs for the address of {name}.",
            "low",
            ["dns"] if res.tags.get("dns") else [],
            "Nothing to undo.",
        ),
        (
            "Release the address",
            f"Release {name}.",
            "medium",
            ["the same address cannot be reserved again"],
            "Reserve a new address and update DNS.",
        ),
    ]


async def generate_step_plan(ctx: ToolContext, args: PlanInput) -> tuple[PlanOut, str]:
    source = source_of(ctx)
    rec = await source.recommendation(ctx.principal, args.recommendation_id)
    res = await source.resource(ctx.principal, rec.resource_id)
    steps = [
        Step(order=i, title=t, detail=d, risk=r, risk_flags=f, rollback=b)  # type: ignore[arg-type]
        for i, (t, d, r, f, b) in enumerate(_steps(rec, res), start=1)
    ]
    effort = estimate(rec.rec_type, res, rec.target_provider)
    out = PlanOut(
        recommendation_id=rec.id,
        rec_type=rec.rec_type,
        resource_name=res.name,
        savings_monthly=money(rec.savings_monthly, rec.currency),
        effort_score=effort.score,
        steps=steps,
    )
    risky = sum(1 for s in steps if s.risk == "high")
    return out, (
        f"{len(steps)} steps for #{rec.id} ({res.name}), {risky} high-risk, "
        f"saves {format_amount(out.savings_monthly, 'en')}"
    )


TOOLS = (
    Tool(
        "estimate_migration_effort",
        1,
        "Effort score 1–5 (with the factors that produced it and an hours estimate) for carrying out a "
        "recommendation, or for moving a resource to a target provider.",
        EffortInput,
        EffortOut,
        estimate_migration_effort,
    ),
    Tool(
        "generate_step_plan",
        1,
        "An ordered plan to carry out a recommendation: steps with risk level, risk flags and rollback notes.",
        PlanInput,
        PlanOut,
        generate_step_plan,
        prompt="Present the steps in order; keep the risk flags and rollback notes.",
    ),
)
