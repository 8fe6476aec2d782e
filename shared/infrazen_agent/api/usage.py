"""`GET /v1/usage`: what the tenant's model calls cost over a date range, per user, scenario and
model, from the usage ledger (`llm_calls`), for its admins. The tenant is the token's; there is
no cross-tenant view (no role above a tenant's admin exists). Part of the generate_text component.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, ErrorBody, InvalidInput

router = APIRouter(tags=["usage"], responses=AUTH_RESPONSES)
MAX_RANGE_DAYS = 366
_GROUPS = ("user_id", "scenario", "model")


class UsageFigures(BaseModel):
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    estimated_cost_usd: float = Field(
        description="the part of cost_usd estimated from tokens at the default price (models without a known price)"
    )
    latency_ms_avg: float | None = Field(description="mean latency of the calls that were answered")


class UsageRow(UsageFigures):
    user_id: str
    scenario: str
    model: str


class UserUsage(UsageFigures):
    user_id: str


class ScenarioUsage(UsageFigures):
    scenario: str


class ModelUsage(UsageFigures):
    model: str


class UsageReport(BaseModel):
    tenant_id: str
    since: date
    until: date = Field(description="inclusive (UTC days)")
    currency: str = "USD"
    total: UsageFigures
    by_user: list[UserUsage]
    by_scenario: list[ScenarioUsage]
    by_model: list[ModelUsage]
    rows: list[UsageRow] = Field(description="per user, scenario and model, costliest first")


_SQL = """
SELECT user_id, scenario, model, count(*) AS calls,
       COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
       COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
       COALESCE(SUM(cost_usd), 0) AS cost_usd,
       COALESCE(SUM(cost_usd) FILTER (WHERE cost_source = 'estimated'), 0) AS estimated_cost_usd,
       COALESCE(SUM(latency_ms) FILTER (WHERE outcome = 'ok'), 0) AS latency_ms_sum,
       count(*) FILTER (WHERE outcome = 'ok') AS answered
  FROM llm_calls
 WHERE tenant_id = %(tenant)s AND created_at >= %(start)s AND created_at < %(end)s
 GROUP BY user_id, scenario, model
"""


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answered = sum(int(r["answered"]) for r in rows)
    latency = sum(float(r["latency_ms_sum"]) for r in rows)
    return {
        "calls": sum(int(r["calls"]) for r in rows),
        "prompt_tokens": sum(int(r["prompt_tokens"]) for r in rows),
        "completion_tokens": sum(int(r["completion_tokens"]) for r in rows),
        "cost_usd": round(sum(float(r["cost_usd"]) for r in rows), 8),
        "estimated_cost_usd": round(sum(float(r["estimated_cost_usd"]) for r in rows), 8),
        "latency_ms_avg": round(latency / answered, 3) if answered else None,
    }


def _by(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    out = [{key: name, **_figures(members)} for name, members in groups.items()]
    return sorted(out, key=lambda g: (-g["cost_usd"], g[key]))


@router.get(
    "/v1/usage",
    response_model=UsageReport,
    responses={
        403: {"model": ErrorBody, "description": "Not an admin (or the demo user, or a chat token)"},
        422: {"model": ErrorBody, "description": "Bad range: not dates, since after until, or longer than 366 days"},
    },
    summary="The tenant's LLM cost per user, scenario and model over a date range (admins only)",
)
async def usage(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    since: Annotated[date | None, Query(description="first UTC day (default: 29 days before until)")] = None,
    until: Annotated[date | None, Query(description="last UTC day, inclusive (default: today)")] = None,
) -> UsageReport:
    principal.require_service_token("the usage report")
    principal.require("audit")
    last = until or datetime.now(UTC).date()
    first = since or last - timedelta(days=29)
    if first > last:
        raise InvalidInput(
            f"since ({first}) is after until ({last})", details={"since": str(first), "until": str(last)}
        )
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"the range is {(last - first).days + 1} days; at most {MAX_RANGE_DAYS}",
            details={"since": str(first), "until": str(last), "max_days": MAX_RANGE_DAYS},
        )
    params = {
        "tenant": principal.tenant_id,  # the token's, always
        "start": datetime.combine(first, time.min, UTC),
        "end": datetime.combine(last + timedelta(days=1), time.min, UTC),
    }
    async with runtime.pool.connection() as conn:
        rows = list(await (await conn.execute(_SQL, params)).fetchall())  # type: ignore[arg-type]
    detail = [{**{k: r[k] for k in _GROUPS}, **_figures([r])} for r in rows]
    return UsageReport(
        tenant_id=principal.tenant_id,
        since=first,
        until=last,
        total=UsageFigures(**_figures(rows)),
        by_user=[UserUsage(**g) for g in _by(rows, "user_id")],
        by_scenario=[ScenarioUsage(**g) for g in _by(rows, "scenario")],
        by_model=[ModelUsage(**g) for g in _by(rows, "model")],
        rows=[
            UsageRow(**r)
            for r in sorted(detail, key=lambda r: (-r["cost_usd"], r["user_id"], r["scenario"], r["model"]))
        ],
    )
