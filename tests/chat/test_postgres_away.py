"""Postgres goes away while an answer streams: the user gets the final message at once, the
answer is stored as soon as Postgres accepts connections again — once, whole, in order — and
the session takes no other turn meanwhile."""

from __future__ import annotations

import asyncio
import time

import psycopg

from tests.support.llm_server import Reply, ScriptedLLMServer

from .clients import Chat, query


async def test_a_streamed_answer_is_never_lost(
    online_chat: Chat, llm_server: ScriptedLLMServer, pg_admin_url: str
) -> None:
    db = psycopg.conninfo.conninfo_to_dict(online_chat.settings.database_url)["dbname"]
    text = "Расходы за 30 дней выросли; главный сервис — managed-kubernetes."
    llm_server.script(Reply(text=text, chunk_size=6, delay_between_chunks_s=0.1))
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
                busy = await ws.recv()
                assert busy["type"] == "error" and busy["code"] in ("session_busy", "unavailable"), busy
                await asyncio.sleep(3)  # a 3-second outage after the answer was streamed
            finally:
                admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    deadline = time.monotonic() + 15
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        rows = query(online_chat.settings, "SELECT role, content, status FROM chat_messages ORDER BY created_at")
        if any(r["role"] == "assistant" for r in rows):
            break
        await asyncio.sleep(0.2)
    assert [(r["role"], r["status"]) for r in rows] == [("user", "complete"), ("assistant", "complete")], rows
    assert rows[1]["content"] == text
