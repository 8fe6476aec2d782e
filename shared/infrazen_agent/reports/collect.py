"""A report's data: the tenant's figures read through the read tools (tenant-scoped, audited like
any tool call), each kept with the call it came from, so every table and chart can cite its tool,
arguments and data date, and every figure is a typed fact of that tool's output."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..agent.grounding import Fact, facts_from_tool
from ..auth import Principal
from ..errors import Unavailable, error_from_code
from ..runtime import Runtime
from ..tools import ToolContext, get_registry

# Cleanup: what can go today, with money it has already cost.
CLEANUP_TYPES = ("stopped_server", "old_snapshot", "unused_ip")
TOP_LIMIT = 10


@dataclass(frozen=True)
class Call:
    """One tool call of the report: the footnote every table and chart drawn from it cites."""

    key: str
    tool: str  # versioned name, e.g. get_analytics_overview@v1
    arguments: dict[str, Any]
    data: dict[str, Any]
    data_date: str | None  # the last day of data the output covers

    def public(self) -> dict[str, Any]:
        return {"key": self.key, "tool": self.tool, "arguments": self.arguments, "data_date": self.data_date}


@dataclass
class ReportData:
    days: int
    generated_at: datetime
    calls: dict[str, Call] = field(default_factory=dict)

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self.calls[key].data

    def get(self, key: str) -> dict[str, Any] | None:
        call = self.calls.get(key)
        return call.data if call else None

    @property
    def currency(self) -> str:
        return str(self["overview"]["currency"])

    @property
    def data_date(self) -> str:
        return str(self["overview"]["range"]["end"])

    def facts(self) -> list[Fact]:
        out: list[Fact] = []
        for call in self.calls.values():
            out += facts_from_tool(call.tool.split("@")[0], call.data)
        return out


def _data_date(name: str, data: dict[str, Any]) -> str | None:
    rng = data.get("range")
    if isinstance(rng, dict) and rng.get("end"):
        return str(rng["end"])
    if name == "get_user_context" and data.get("cost_data_to"):
        return str(data["cost_data_to"])
    return None


async def _run(
    ctx: ToolContext, out: ReportData, planned: list[tuple[str, str, dict[str, Any]]], *, required: bool
) -> None:
    registry = get_registry()
    results = await registry.call_many([(tool, args) for _, tool, args in planned], ctx)
    for (key, tool, args), result in zip(planned, results, strict=True):
        if not result.ok or result.data is None:
            if not required:
                continue  # an optional detail (one recommendation's effort): the section says less
            if result.error is not None:
                raise error_from_code(result.error["code"], f"{key}: {result.error['message']}")
            raise Unavailable(f"{key}: no data")
        name = registry.latest(tool).versioned_name
        out.calls[key] = Call(key, name, args, result.data, _data_date(tool, result.data))
    # Outputs without a range of their own (recommendations) are of the same data as the overview.
    if "overview" in out.calls:
        for key, call in out.calls.items():
            if call.data_date is None:
                out.calls[key] = replace(call, data_date=out.data_date)


async def collect(
    runtime: Runtime, principal: Principal, *, days: int, request_id: str | None = None, detail: bool = True
) -> ReportData:
    """The report's tool calls: one batch for the tenant's figures, then (with `detail`) one for
    the effort of each top recommendation and the evidence of each cleanup item."""
    # Admitted once as a whole (by the caller): its calls do not use up the per-tool limits.
    ctx = ToolContext(runtime=runtime, principal=principal, request_id=request_id, admitted=True)
    out = ReportData(days=days, generated_at=datetime.now(UTC))
    ranged = {"days": days}
    first: list[tuple[str, str, dict[str, Any]]] = [
        ("overview", "get_analytics_overview", ranged),
        ("context", "get_user_context", {}),
        ("trend", "get_cost_trends", {**ranged, "granularity": "week" if days > 31 else "day"}),
        ("services", "get_service_breakdown", {**ranged, "limit": 8}),
        ("providers", "get_provider_breakdown", ranged),
        ("recommendations", "summarize_top_recommendations", {"limit": TOP_LIMIT}),
        ("anomalies", "get_anomalies", {**ranged, "limit": 10}),
    ]
    if detail:
        first += [
            (f"cleanup.{t}", "summarize_top_recommendations", {"limit": 10, "rec_type": t}) for t in CLEANUP_TYPES
        ]
    await _run(ctx, out, first, required=True)
    if not detail:
        return out
    # Optional: a tenant with under four weeks of data gets no forecast section, still a report.
    second: list[tuple[str, str, dict[str, Any]]] = [("forecast", "forecast_costs", {})]
    for item in out["recommendations"]["items"]:
        second.append((f"effort.{item['id']}", "estimate_migration_effort", {"recommendation_id": item["id"]}))
    for t in CLEANUP_TYPES:
        for item in out[f"cleanup.{t}"]["items"]:
            second.append((f"rec.{item['id']}", "get_recommendation", {"recommendation_id": item["id"]}))
    await _run(ctx, out, second, required=False)
    return out
