"""`GET /v1/audit`: the tenant's tool-call audit log for its admins (filters, keyset pages).
Part of the tools component."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, InvalidInput

router = APIRouter(tags=["audit"], responses=AUTH_RESPONSES)


class AuditItem(BaseModel):
    id: int
    at: datetime
    tool: str
    version: int
    user_id: str
    roles: list[str]
    demo: bool
    session_id: str | None
    turn_id: str | None
    request_id: str | None
    outcome: str
    error_code: str | None
    summary: str | None
    arguments: Any
    latency_ms: float


class AuditPage(BaseModel):
    items: list[AuditItem]
    next_cursor: str | None


@router.get(
    "/v1/audit",
    response_model=AuditPage,
    responses={403: {"description": "Not an admin (or the demo user)"}, 422: {"description": "Bad filter"}},
    summary="The tenant's tool-call audit log, newest first (admins only)",
)
async def audit_log(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    user: Annotated[str | None, Query(max_length=128)] = None,
    tool: Annotated[str | None, Query(max_length=100)] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|error)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=20, description="next_cursor of the previous page")] = None,
) -> AuditPage:
    principal.require_service_token("the audit log")
    principal.require("audit")
    if cursor is not None and not cursor.isdigit():
        raise InvalidInput("cursor: pass next_cursor from the previous page")
    where = ["tenant_id = %(tenant)s"]  # the tenant is the token's, always
    params: dict[str, Any] = {"tenant": principal.tenant_id, "limit": limit + 1}
    for name, column, value in (
        ("user", "user_id = %(user)s", user),
        ("tool", "tool = %(tool)s", tool),
        ("outcome", "outcome = %(outcome)s", outcome),
        ("since", "created_at >= %(since)s", since),
        ("until", "created_at < %(until)s", until),
        ("cursor", "id < %(cursor)s", int(cursor) if cursor else None),
    ):
        if value is not None:
            where.append(column)
            params[name] = value
    sql = (
        "SELECT id, created_at AS at, tool, version, user_id, roles, is_demo AS demo, session_id, turn_id,"
        " request_id, outcome, error_code, result->>'summary' AS summary, arguments, latency_ms"
        f" FROM tool_calls WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %(limit)s"
    )
    async with runtime.pool.connection() as conn:
        rows = await (await conn.execute(sql, params)).fetchall()  # type: ignore[arg-type]
    more = len(rows) > limit
    items = [AuditItem.model_validate(r) for r in rows[:limit]]
    return AuditPage(items=items, next_cursor=str(items[-1].id) if more and items else None)
