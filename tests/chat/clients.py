"""Real clients for the chat tests: the service under uvicorn on a free port, a WebSocket client
(`websockets`), an SSE client (httpx streaming), and reads of the demo data and the transcript
straight from Postgres."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import psycopg
import websockets
from psycopg.rows import dict_row

from infrazen_agent.app import create_app
from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from tests.support.servers import LiveServer, live_server

TERMINAL = ("message", "error")


class WsClient:
    def __init__(self, conn: Any):
        self.conn = conn

    async def send(self, frame: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(frame))

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        return event

    async def turn(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Events until the end of a turn (a `message`, or an `error` that names a turn)."""
        events = []
        while True:
            event = await self.recv(timeout)
            events.append(event)
            if event["type"] in TERMINAL and event.get("turn_id"):
                return events

    async def ask(self, content: str, **extra: Any) -> list[dict[str, Any]]:
        await self.send({"type": "message", "content": content, **extra})
        return await self.turn()


class Chat:
    """One running chat service (every test's own database and Redis)."""

    def __init__(self, server: LiveServer, settings: Settings):
        self.server = server
        self.settings = settings

    def token(self, user: str = "1001", tenant: str | None = "1001", **kw: Any) -> str:
        return mint_token(self.settings, user=user, tenant=tenant, **kw)

    def headers(self, user: str = "1001", tenant: str | None = "1001", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, tenant, **kw)}"}

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.server.url, timeout=30)

    async def start(self, body: dict[str, Any], user: str = "1001", tenant: str = "1001") -> dict[str, Any]:
        async with self.http() as c:
            r = await c.post("/v1/chat/start", json=body, headers=self.headers(user, tenant))
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    @asynccontextmanager
    async def ws(
        self, session_id: str, user: str = "1001", tenant: str = "1001", *, ready: bool = True
    ) -> AsyncIterator[WsClient]:
        url = f"{self.server.ws_url}/v1/chat/ws?session={session_id}&token={self.token(user, tenant)}"
        async with websockets.connect(url, max_size=None) as conn:
            client = WsClient(conn)
            if ready:
                client.ready = await client.recv()  # type: ignore[attr-defined]
                assert client.ready["type"] == "ready", client.ready  # type: ignore[attr-defined]
            yield client

    async def sse(
        self, session_id: str, body: dict[str, Any], user: str = "1001", tenant: str = "1001"
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        headers = {**self.headers(user, tenant), "Accept": "text/event-stream"}
        async with (
            self.http() as c,
            c.stream("POST", f"/v1/chat/sessions/{session_id}/messages", json=body, headers=headers) as r,
        ):
            assert r.status_code == 200, await r.aread()
            assert r.headers["content-type"].startswith("text/event-stream")
            kind = None
            async for line in r.aiter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    event = json.loads(line[6:])
                    assert event["type"] == kind
                    events.append(event)
        return events

    async def transcript(self, session_id: str, user: str = "1001", tenant: str = "1001") -> httpx.Response:
        async with self.http() as c:
            return await c.get(f"/v1/chat/sessions/{session_id}", headers=self.headers(user, tenant))


@contextmanager
def running_chat(settings: Settings) -> Iterator[Chat]:
    app = create_app(["chat", "upload"], settings)
    with live_server(app) as server:
        yield Chat(server, settings)


def query(settings: Settings, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row) as conn:
        return list(conn.execute(sql, params).fetchall())


def top_recommendation(
    settings: Settings, tenant: str = "1001", rec_type: str = "cross_provider_server"
) -> dict[str, Any]:
    rows = query(
        settings,
        "SELECT id, resource_id, savings_monthly, current_monthly FROM recommendations"
        " WHERE tenant_id = %s AND rec_type = %s ORDER BY savings_monthly DESC, id LIMIT 1",
        tenant,
        rec_type,
    )
    assert rows, f"the demo data has no {rec_type} for {tenant}"
    return rows[0]


def of_type(events: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] in types]


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "delta")


def canonical(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with consecutive deltas of a turn joined: a busy connection may receive several
    deltas as one (the text is the same), so this is what two connections must agree on."""
    out: list[dict[str, Any]] = []
    for event in events:
        if event["type"] == "delta" and out and out[-1]["type"] == "delta" and out[-1]["turn_id"] == event["turn_id"]:
            out[-1] = {**out[-1], "text": out[-1]["text"] + event["text"]}
        else:
            out.append(event)
    return out
