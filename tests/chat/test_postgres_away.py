"""Postgres goes away while an answer streams: the user gets the final message at once, the
answer is stored as soon as Postgres accepts connections again — once, whole, in order — and
the session takes no other turn meanwhile: a message sent then waits its turn and is answered
after it, and a waiting message can be cancelled while Postgres is still away."""

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
