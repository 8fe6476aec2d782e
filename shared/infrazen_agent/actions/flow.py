"""Propose → confirm → run once. A proposal stores the exact payload and what it will do; the
user's decision (approve or reject) is taken once, atomically; an approved action runs once and
its result is kept (a repeated confirmation gets the same result). Every stage is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from ..auth import Principal
from ..errors import InvalidInput, NotFound
from ..runtime import Runtime
from ..tools import ToolContext, get_registry
from ..tools.registry import Tool


@dataclass(frozen=True)
class Action:
    id: str
    tool: str
    payload: dict[str, Any]
    preview: str
    status: str
    result: dict[str, Any] | None
    session_id: str | None
    expires_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "action_id": self.id,
            "name": self.tool,
            "arguments": self.payload,
            "preview": self.preview,
            "status": self.status,
            "result": self.result,
            "expires_at": self.expires_at.isoformat(),
        }


def preview_of(tool: Tool, payload: dict[str, Any], lang: str) -> str:
    """What the action will do, in the user's language (shown before they confirm)."""
    rec = payload.get("recommendation_id")
    if tool.name == "draft_change_plan":
        return (
            f"Подготовить документ плана изменений для рекомендации #{rec}"
            if lang == "ru"
            else (f"Write the change-plan document for recommendation #{rec}")
        )
    if tool.name == "create_ticket":
        summary = payload.get("summary", "")
        return (
            f"Создать задачу «{summary}» по рекомендации #{rec}"
            if lang == "ru"
            else (f'Create the ticket "{summary}" for recommendation #{rec}')
        )
    if tool.name == "create_report":
        from ..wording.messages import message

        persona = message(f"report.persona.{payload.get('persona', 'finops')}", lang)
        return message(
            "report.preview",
            lang,
            persona=persona,
            days=payload.get("days", 30),
            format=message(f"report.format.{payload.get('format', 'both')}", lang),
            language=message(f"report.language.{payload.get('language', 'ru')}", lang),
        )
    return f"{tool.name} {payload}"


async def _audit(runtime: Runtime, action_id: str, principal: Principal, stage: str, detail: Any = None) -> None:
    async with runtime.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO action_audit (action_id, tenant_id, user_id, stage, detail) VALUES (%s,%s,%s,%s,%s)",
            (action_id, principal.tenant_id, principal.user_id, stage, Jsonb(detail)),
        )


async def propose(ctx: ToolContext, tool: Tool, arguments: dict[str, Any], lang: str) -> Action:
    """Validates the payload (a proposal the tool would refuse is refused now) and stores it."""
    principal = ctx.principal
    principal.require("action")
    try:
        payload = tool.input_model.model_validate(arguments).model_dump(mode="json")
    except Exception as exc:  # noqa: BLE001 - pydantic's message is the answer to the model
        raise InvalidInput(f"{tool.name}: {str(exc).splitlines()[0][:200]}") from None
    rec = payload.get("recommendation_id")
    if rec is not None and not principal.allows_recommendation(rec):
        raise NotFound(f"recommendation {rec} not found")
    action = Action(
        id="act_" + secrets.token_urlsafe(12),
        tool=tool.name,
        payload=payload,
        preview=preview_of(tool, payload, lang),
        status="proposed",
        result=None,
        session_id=ctx.session_id,
        expires_at=datetime.now(UTC) + timedelta(seconds=ctx.runtime.settings.actions_ttl_s),
    )
    async with ctx.runtime.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO actions (id, tenant_id, user_id, session_id, turn_id, tool, payload, preview, status,"
            " expires_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,'proposed',%s)",
            (
                action.id,
                principal.tenant_id,
                principal.user_id,
                ctx.session_id,
                ctx.turn_id,
                tool.name,
                Jsonb(payload),
                action.preview,
                action.expires_at,
            ),
        )
    await _audit(ctx.runtime, action.id, principal, "proposed", {"payload": payload})
    return action


def _row(row: dict[str, Any]) -> Action:
    return Action(
        id=row["id"],
        tool=row["tool"],
        payload=row["payload"],
        preview=row["preview"],
        status=row["status"],
        result=row["result"],
        session_id=row["session_id"],
        expires_at=row["expires_at"],
    )


async def get_action(runtime: Runtime, principal: Principal, action_id: str) -> Action:
    """The caller's own action (tenant and user); anything else is the same 404."""
    if not action_id.startswith("act_") or len(action_id) > 40:
        raise NotFound("action not found")
    async with runtime.pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT * FROM actions WHERE id = %s AND tenant_id = %s AND user_id = %s",
                (action_id, principal.tenant_id, principal.user_id),
            )
        ).fetchone()
    if row is None:
        raise NotFound("action not found")
    return _row(row)


async def pending_in_session(runtime: Runtime, principal: Principal, session_id: str) -> Action | None:
    async with runtime.pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT * FROM actions WHERE session_id = %s AND tenant_id = %s AND user_id = %s"
                " AND status = 'proposed' AND expires_at > now() ORDER BY created_at DESC LIMIT 1",
                (session_id, principal.tenant_id, principal.user_id),
            )
        ).fetchone()
    return _row(row) if row else None


async def decide(runtime: Runtime, principal: Principal, action_id: str, approve: bool) -> Action:
    """The user's answer to a proposal: taken once; an approved action runs once. A repeated
    confirmation returns the action as it stands (its result, or its refusal)."""
    action = await get_action(runtime, principal, action_id)
    if action.status != "proposed":
        return action  # decided before: idempotent by action id
    principal.require("action")  # viewers and the demo user cannot approve
    async with runtime.pool.connection() as conn:
        row = await (
            await conn.execute(
                "UPDATE actions SET status = %s, decided_at = now() WHERE id = %s AND status = 'proposed'"
                " AND expires_at > now() RETURNING *",
                ("approved" if approve else "rejected", action_id),
            )
        ).fetchone()
    if row is None:
        current = await get_action(runtime, principal, action_id)
        if current.status == "proposed":
            raise NotFound("this proposal has expired; ask again")
        return current  # another confirmation won the race
    await _audit(runtime, action_id, principal, "approved" if approve else "rejected")
    if not approve:
        return _row(row)
    tool = get_registry().resolve(action.tool)
    assert tool is not None
    ctx = ToolContext(
        runtime=runtime, principal=principal, session_id=action.session_id, confirmed=True, action_id=action.id
    )
    result = await get_registry().call(tool.name, action.payload, ctx)
    status = "executed" if result.ok else "failed"
    stored = {"ok": result.ok, "summary": result.summary, "data": result.data, "error": result.error}
    async with runtime.pool.connection() as conn:
        await conn.execute(
            "UPDATE actions SET status = %s, result = %s, executed_at = now() WHERE id = %s",
            (status, Jsonb(stored), action_id),
        )
    await _audit(runtime, action_id, principal, status, {"summary": result.summary, "error": result.error})
    return replace(_row(row), status=status, result=stored)


def _in_language(result: Any, lang: str) -> Any:
    """A read tool's one-line summary in the chat's language (the tools write English): the
    headline of its rendered result, the same line an offline answer shows."""
    from ..wording.tool_lines import headline

    if lang == "en" or not getattr(result, "ok", False):
        return result
    line = headline(str(result.name), result.data, lang)
    return result.model_copy(update={"summary": line}) if line else result


class ChatTools:
    """The tool runner of a chat turn: read tools run; an action tool becomes a proposal
    (stored, announced as `confirm_required`) and the model is told it waits for the user."""

    def __init__(self, registry: Any, emit: Any, lang: str):
        self.registry, self.emit, self.lang = registry, emit, lang

    async def call(self, name: str, arguments: dict[str, Any] | str, ctx: ToolContext) -> Any:
        from ..agent.events import ConfirmRequired
        from ..errors import AgentError
        from ..tools import ToolResult
        from ..tools.registry import error_code

        tool = self.registry.resolve(name)
        allowed = ctx.allowed_tools is None or (tool is not None and tool.name in ctx.allowed_tools)
        if tool is None or tool.scope != "action" or not allowed or not isinstance(arguments, dict):
            result = await self.registry.call(name, arguments, ctx)
            return _in_language(result, self.lang)
        try:
            action = await propose(ctx, tool, arguments, self.lang)
        except AgentError as exc:
            return ToolResult(
                name=tool.versioned_name,
                ok=False,
                error={"code": error_code(exc), "message": exc.message},
                summary=f"{tool.name} not proposed: {exc.message}",
            )
        self.emit(
            ConfirmRequired(
                turn_id=ctx.turn_id,
                action_id=action.id,
                name=tool.name,
                arguments=action.payload,
                preview=action.preview,
            )
        )
        return ToolResult(
            name=tool.versioned_name,
            ok=True,
            data={
                "action_id": action.id,
                "status": "awaiting_confirmation",
                "preview": action.preview,
                "arguments": action.payload,
            },
            summary=f"proposed, waiting for the user's confirmation: {action.preview}. Nothing has been done yet.",
        )


def outcome_text(action: Action, lang: str) -> str:
    ru = lang == "ru"
    result = action.result or {}
    if action.status == "rejected":
        return "Действие отменено." if ru else "The action was cancelled."
    if action.status == "executed":
        data = result.get("data") or {}
        where = data.get("download_path") or data.get("url") or data.get("key") or ""
        return (f"Готово: {action.preview}. {where}" if ru else f"Done: {action.preview}. {where}").strip()
    if action.status == "failed":
        return ("Не удалось выполнить: " if ru else "It could not be done: ") + str(result.get("summary", ""))
    return action.preview
