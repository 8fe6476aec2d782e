"""Postgres goes away while an answer streams: the user gets the final message at once, the
answer is stored as soon as Postgres accepts connections again — once, whole, in order — and
the session takes no other turn meanwhile: a message sent then waits its turn and is answered
after it, and a waiting message can be cancelled while Postgres is still away."""

from __future__ import annotations

import asyncio
import json
import time

import psycopg

from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

from .clients import Chat, query, top_recommendation


async def test_a_streamed_answer_is_never_lost(
    online_chat: Chat, llm_server: ScriptedLLMServer, pg_admin_url: str
) -> None:
    db = psycopg.conninfo.conninfo_to_dict(online_chat.settings.database_url)["dbname"]
    text = "Расходы за 30 дней выросли; главный сервис — managed-kubernetes."
    later = "Дальше всё спокойно."
    llm_server.script(Reply(text=text, chunk_size=6, delay_between_chunks_s=0.1), Reply(text=later))
    sid = (await online_chat.start({"scope": "analytics"}))["session_id"]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        async with online_chat.ws(sid) as ws:
            await ws.send({"type": "message", "content": "Что с расходами?", "client_message_id": "m-1"})
            while (event := await ws.recv())["type"] != "delta":
                pass
            admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
            t_down = time.monotonic()
            try:
                while (event := await ws.recv(timeout=20))["type"] not in ("message", "error"):
                    pass
                assert event["type"] == "message" and event["content"] == text, event
                assert time.monotonic() - t_down < 5
                await ws.send({"type": "message", "content": "А ещё?"})
                queued = await ws.recv()
                assert queued["type"] == "turn_queued" and queued["position"] == 1, queued
                await ws.send({"type": "message", "content": "Не нужно", "client_message_id": "m-3"})
                dropped = await ws.recv()
                assert dropped["type"] == "turn_queued" and dropped["position"] == 2, dropped
                t_cancel = time.monotonic()
                await ws.send({"type": "cancel", "turn_id": dropped["turn_id"]})
                cancelled = await ws.recv(timeout=2)
                assert cancelled["type"] == "message" and cancelled["status"] == "cancelled", cancelled
                assert cancelled["turn_id"] == dropped["turn_id"] and time.monotonic() - t_cancel < 1
                await asyncio.sleep(3)  # a 3-second outage after the answer was streamed
            finally:
                admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
            while (event := await ws.recv(timeout=20))["type"] not in ("message", "error"):
                assert event.get("turn_id") == queued["turn_id"], event
            assert event["type"] == "message" and event["content"] == later, event
    deadline = time.monotonic() + 15
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        rows = query(online_chat.settings, "SELECT role, content, status FROM chat_messages ORDER BY created_at")
        if sum(r["role"] == "assistant" for r in rows) == 2:
            break
        await asyncio.sleep(0.2)
    assert [(r["role"], r["status"]) for r in rows] == [("user", "complete"), ("assistant", "complete")] * 2, rows
    assert [r["content"] for r in rows] == ["Что с расходами?", text, "А ещё?", later]


async def test_the_tool_audit_of_a_turn_survives_an_outage_at_its_end(
    online_chat: Chat, llm_server: ScriptedLLMServer, pg_admin_url: str
) -> None:
    """A turn's tool audit rows are written with its answer: Postgres away then, both wait and
    land once it is back — once each."""
    db = psycopg.conninfo.conninfo_to_dict(online_chat.settings.database_url)["dbname"]
    rec = top_recommendation(online_chat.settings)
    call = ScriptedToolCall("get_resource", json.dumps({"resource_id": rec["resource_id"]}))
    text = "Это сервер из рекомендации; подробности выше."
    llm_server.script(Reply(tool_calls=[call]), Reply(text=text, chunk_size=6, delay_between_chunks_s=0.1))
    sid = (await online_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]}))["session_id"]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        async with online_chat.ws(sid) as ws:
            await ws.send({"type": "message", "content": "Что это за сервер?"})
            while (event := await ws.recv())["type"] != "delta":
                pass
            turn_id = event["turn_id"]
            admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
            try:
                while (event := await ws.recv(timeout=20))["type"] not in ("message", "error"):
                    pass
                assert event["type"] == "message" and event["content"] == text, event
                await asyncio.sleep(2)  # the answer and its audit wait for Postgres
            finally:
                admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    deadline = time.monotonic() + 15
    audited: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        audited = query(online_chat.settings, "SELECT tool, tenant_id FROM tool_calls WHERE turn_id = %s", turn_id)
        stored = query(
            online_chat.settings, "SELECT status FROM chat_messages WHERE turn_id = %s AND role = 'assistant'", turn_id
        )
        if audited and stored:
            break
        await asyncio.sleep(0.2)
    assert audited == [{"tool": "get_resource", "tenant_id": "1001"}]
    assert stored == [{"status": "complete"}]
