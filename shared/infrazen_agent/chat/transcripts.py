"""The durable transcript in Postgres: sessions and their messages, always read by owner.

Every query filters by the tenant (and the user, for sessions) taken from the verified
principal; a session id alone never finds anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from ..batching import Batcher
from .sessions import ChatSession

_SESSION_COLUMNS = "id, tenant_id, user_id, scope, recommendation_id, time_range, page_context, created_at, expires_at"
_MESSAGE_COLUMNS = (
    "id, turn_id, role, content, status, client_message_id, attachments, tool_calls,"
    " grounding, usage, model, mode, error, created_at"
)

# A message the user typed, or an answer they have read, waits this long for a connection when a
# burst has taken every one (reads give up after DB_ACQUIRE_TIMEOUT_S): refusing it would be worse
# than a short wait. With Postgres away the pool still fails at once (db.FailFastPool).
WRITE_WAIT_S = 15.0


def _session(row: dict[str, Any]) -> ChatSession:
    return ChatSession(
        id=row["id"],
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        scope=row["scope"],
        recommendation_id=row["recommendation_id"],
        time_range=row["time_range"],
        page_context=row["page_context"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


def public_message(row: dict[str, Any]) -> dict[str, Any]:
    """A transcript message as clients see it (history in `ready`, GET /v1/chat/sessions/{id})."""
    out: dict[str, Any] = {
        "id": row["id"],
        "turn_id": row["turn_id"],
        "role": row["role"],
        "content": row["content"],
        "status": row["status"],
        "incomplete": row["status"] != "complete",
        "created_at": row["created_at"].isoformat() if isinstance(row["created_at"], datetime) else row["created_at"],
    }
    if row["role"] == "user":
        out["client_message_id"] = row["client_message_id"]
        out["attachments"] = row["attachments"] or []
    else:
        for key in ("model", "mode", "usage", "grounding", "tool_calls", "error"):
            out[key] = row.get(key)
    return out


def _message_row(session: ChatSession, message_id: str, turn_id: str, content: str) -> dict[str, Any]:
    """What every message row names: itself, its session and tenant (the session's), its turn."""
    return {
        "id": message_id,
        "session_id": session.id,
        "tenant_id": session.tenant_id,
        "turn_id": turn_id,
        "content": content,
    }


def _rows_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, default=str)


# The turns' messages are written in group commits (batching.py): in a burst, the user messages
# (and the answers) of many sessions share one statement. Each row names its own session and tenant.
_USER_MESSAGES_SQL = """
INSERT INTO chat_messages (id, session_id, tenant_id, turn_id, role, content, client_message_id, attachments)
SELECT m.id, m.session_id, m.tenant_id, m.turn_id, 'user', m.content, m.client_message_id, m.attachments
  FROM jsonb_to_recordset(%s::jsonb) AS m(id text, session_id text, tenant_id text, turn_id text, content text,
                                          client_message_id text, attachments jsonb)
ON CONFLICT (session_id, client_message_id) WHERE role = 'user' AND client_message_id IS NOT NULL DO NOTHING
RETURNING id
"""
# The answer, and the session's expiry slid, in one statement.
_ANSWERS_SQL = """
WITH m AS (
  SELECT * FROM jsonb_to_recordset(%s::jsonb) AS m(id text, session_id text, tenant_id text, turn_id text,
         content text, status text, tool_calls jsonb, grounding jsonb, usage jsonb, model text, mode text,
         error jsonb, expires_at timestamptz)),
slid AS (UPDATE chat_sessions s SET updated_at = now(), expires_at = m.expires_at
           FROM m WHERE s.id = m.session_id AND s.tenant_id = m.tenant_id)
INSERT INTO chat_messages (id, session_id, tenant_id, turn_id, role, content, status, tool_calls, grounding, usage,
                           model, mode, error)
SELECT m.id, m.session_id, m.tenant_id, m.turn_id, 'assistant', m.content, m.status, m.tool_calls, m.grounding,
       m.usage, m.model, m.mode, m.error
  FROM m
ON CONFLICT (turn_id, role) DO NOTHING
"""


class TranscriptStore:
    def __init__(self, pool: AsyncConnectionPool[Any]):
        self.pool = pool
        self._user_messages: Batcher[dict[str, Any], bool] = Batcher("user messages", self._write_user_messages)
        self._answers: Batcher[dict[str, Any], None] = Batcher("answers", self._write_answers)

    # --- sessions
    async def create_session(self, session: ChatSession, *, legacy_key: str | None = None) -> ChatSession:
        """Insert; with a legacy key, an existing session for the same owner and key wins."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"INSERT INTO chat_sessions ({_SESSION_COLUMNS}, legacy_key)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (tenant_id, user_id, legacy_key) WHERE legacy_key IS NOT NULL"
                " DO UPDATE SET updated_at = now(), expires_at = EXCLUDED.expires_at"
                f" RETURNING {_SESSION_COLUMNS}",
                (
                    session.id,
                    session.tenant_id,
                    session.user_id,
                    session.scope,
                    session.recommendation_id,
                    Jsonb(session.time_range) if session.time_range else None,
                    Jsonb(session.page_context) if session.page_context else None,
                    session.created_at,
                    session.expires_at,
                    legacy_key,
                ),
            )
            row = await cur.fetchone()
        assert row is not None
        return _session(cast(dict[str, Any], row))

    async def get_session(self, tenant_id: str, user_id: str, session_id: str) -> ChatSession | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM chat_sessions WHERE id = %s AND tenant_id = %s AND user_id = %s",
                (session_id, tenant_id, user_id),
            )
            row = await cur.fetchone()
        return _session(cast(dict[str, Any], row)) if row else None

    async def find_legacy(self, tenant_id: str, user_id: str, legacy_key: str) -> ChatSession | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM chat_sessions"
                " WHERE tenant_id = %s AND user_id = %s AND legacy_key = %s",
                (tenant_id, user_id, legacy_key),
            )
            row = await cur.fetchone()
        return _session(cast(dict[str, Any], row)) if row else None

    async def extend(self, session: ChatSession, expires_at: datetime) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE chat_sessions SET updated_at = now(), expires_at = %s WHERE id = %s AND tenant_id = %s",
                (expires_at, session.id, session.tenant_id),
            )

    # --- messages
    async def add_user_message(
        self,
        session: ChatSession,
        *,
        message_id: str,
        turn_id: str,
        content: str,
        client_message_id: str | None,
        attachments: list[str],
    ) -> bool:
        """False when this client_message_id was already stored (a resend)."""
        row = _message_row(session, message_id, turn_id, content)
        return await self._user_messages.submit(
            {**row, "client_message_id": client_message_id, "attachments": attachments}
        )

    async def add_assistant_message(
        self,
        session: ChatSession,
        *,
        message_id: str,
        turn_id: str,
        content: str,
        status: str,
        tool_calls: list[dict[str, Any]],
        grounding: dict[str, Any] | None,
        usage: dict[str, Any] | None,
        model: str | None,
        mode: str | None,
        error: dict[str, Any] | None,
        expires_at: datetime,
    ) -> None:
        """Stores the answer and slides the session's expiry, in one statement."""
        row = {
            **_message_row(session, message_id, turn_id, content),
            "status": status,
            "tool_calls": tool_calls,
            "grounding": grounding,
            "usage": usage,
            "model": model,
            "mode": mode,
            "error": error,
            "expires_at": expires_at.isoformat(),
        }
        await self._answers.submit(row)

    async def _write_user_messages(self, rows: Sequence[dict[str, Any]]) -> list[bool]:
        async with self.pool.connection(timeout=WRITE_WAIT_S) as conn:
            cur = await conn.execute(_USER_MESSAGES_SQL, (_rows_json(rows),))
            stored = {r["id"] for r in await cur.fetchall()}
        return [row["id"] in stored for row in rows]

    async def _write_answers(self, rows: Sequence[dict[str, Any]]) -> list[None]:
        async with self.pool.connection(timeout=WRITE_WAIT_S) as conn:
            await conn.execute(_ANSWERS_SQL, (_rows_json(rows),))
        return [None] * len(rows)

    async def add_interrupted(
        self, session: ChatSession, *, message_id: str, turn_id: str, error: dict[str, Any]
    ) -> str:
        """Marks a turn whose process died as failed, with no content (nothing it streamed is
        kept). "marked"; "answered" when its answer was stored after all; "unknown" when not
        even its user message was stored."""
        async with self.pool.connection(timeout=WRITE_WAIT_S) as conn:
            cur = await conn.execute(
                "WITH answered AS (SELECT 1 FROM chat_messages WHERE session_id = %s AND tenant_id = %s"
                "  AND turn_id = %s AND role = 'assistant'),"
                " marked AS (INSERT INTO chat_messages (id, session_id, tenant_id, turn_id, role, content,"
                "  status, error) SELECT %s, session_id, tenant_id, turn_id, 'assistant', '', 'failed', %s"
                "  FROM chat_messages WHERE session_id = %s AND tenant_id = %s AND turn_id = %s"
                "  AND role = 'user' AND NOT EXISTS (SELECT 1 FROM answered)"
                "  ON CONFLICT (turn_id, role) DO NOTHING RETURNING id)"
                " SELECT (SELECT count(*) FROM answered) AS answered, (SELECT count(*) FROM marked) AS marked",
                (
                    session.id,
                    session.tenant_id,
                    turn_id,
                    message_id,
                    Jsonb(error),
                    session.id,
                    session.tenant_id,
                    turn_id,
                ),
            )
            row = await cur.fetchone()
        assert row is not None
        return "answered" if row["answered"] else "marked" if row["marked"] else "unknown"

    async def turn_of_client_message(self, session: ChatSession, client_message_id: str) -> list[dict[str, Any]]:
        """The stored rows (user, then assistant if any) of the turn a client message started."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE tenant_id = %s AND turn_id ="
                " (SELECT turn_id FROM chat_messages WHERE session_id = %s AND tenant_id = %s"
                "  AND role = 'user' AND client_message_id = %s)"
                " ORDER BY seq",
                (session.tenant_id, session.id, session.tenant_id, client_message_id),
            )
            return cast(list[dict[str, Any]], await cur.fetchall())

    async def messages(self, session: ChatSession, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The last `limit` messages (all when None), oldest first."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT * FROM (SELECT seq, {_MESSAGE_COLUMNS} FROM chat_messages"
                " WHERE session_id = %s AND tenant_id = %s ORDER BY seq DESC LIMIT %s) m ORDER BY seq",
                (session.id, session.tenant_id, limit),
            )
            return cast(list[dict[str, Any]], await cur.fetchall())
