"""The data of one report: the tenant's figures read through the read tools (tenant-scoped,
rate-limited and audited like any tool call), with the tool and version each part came from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from ..auth import Principal
from ..errors import Unavailable, error_from_code
from ..runtime import Runtime
from ..tools import ToolContext, get_registry

Role = Literal["cfo", "cto", "product", "finops"]

# (part, tool, whether it takes the period)
_PARTS: tuple[tuple[str, str, bool], ...] = (
    ("overview", "get_analytics_overview", True),
    ("providers", "get_provider_breakdown", True),
    ("services", "get_service_breakdown", True),
    ("recommendations", "summarize_top_recommendations", False),
    ("anomalies", "get_anomalies", True),
)


async def build_snapshot(
    runtime: Runtime, principal: Principal, *, role: Role, days: int, request_id: str | None = None
) -> dict[str, Any]:
    calls: list[tuple[str, dict[str, Any] | str]] = [
        (tool, {"days": days} if ranged else {"limit": 10}) for _, tool, ranged in _PARTS
    ]
    ctx = ToolContext(runtime=runtime, principal=principal, request_id=request_id)
    results = await get_registry().call_many(calls, ctx)
    snapshot: dict[str, Any] = {
        "role": role,
        "period_days": days,
        "generated_at": datetime.now(UTC).isoformat(),
        "sources": {},
    }
    for (part, _, _), result in zip(_PARTS, results, strict=True):
        if not result.ok:
            assert result.error is not None
            raise error_from_code(result.error["code"], f"{part}: {result.error['message']}")
        if result.data is None:
            raise Unavailable(f"{part}: no data")
        snapshot[part] = result.data
        snapshot["sources"][part] = result.name
    return snapshot
