"""Starting sessions and reading transcripts: ownership (two tenants, two users of a tenant),
clear errors for bad input, WebSocket auth (query or first frame) and its close codes."""

from __future__ import annotations

from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from .clients import Chat, top_recommendation


async def _closed_with(url: str, first: dict[str, Any] | None = None) -> tuple[int, str]:
    async with websockets.connect(url) as conn:
        if first is not None:
            import json

            await conn.send(json.dumps(first))
        with pytest.raises(ConnectionClosed) as info:
            await conn.recv()
    assert info.value.rcvd is not None
    return info.value.rcvd.code, info.value.rcvd.reason


async def test_another_tenants_session_and_recommendation_are_not_found(offline_chat: Chat) -> None:
    rec = top_recommendation(offline_chat.settings)
    started = await offline_chat.start({"scope": "recommendation", "recommendation_id": rec["id"]})
    sid = started["session_id"]
    assert started["ws_url"] == f"{offline_chat.server.ws_url}/v1/chat/ws?session={sid}"
    assert started["stream_url"] == f"{offline_chat.server.url}/v1/chat/sessions/{sid}/messages"
    async with offline_chat.http() as c:
        # globex cannot start a chat on tenant 1001's recommendation.
        r = await c.post(
            "/v1/chat/start",
            json={"scope": "recommendation", "recommendation_id": rec["id"]},
            headers=offline_chat.headers("g-ops", "globex"),
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        for user, tenant in (("g-ops", "globex"), ("1002", "1001")):
            headers = offline_chat.headers(user, tenant)
            assert (await c.get(f"/v1/chat/sessions/{sid}", headers=headers)).status_code == 404
            r = await c.post(
                f"/v1/chat/sessions/{sid}/messages",
                json={"content": "hi"},
                headers={**headers, "Accept": "text/event-stream"},
            )
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
            assert (await c.post(f"/v1/chat/sessions/{sid}/cancel", headers=headers)).status_code == 404
        owner = await c.get(f"/v1/chat/sessions/{sid}", headers=offline_chat.headers())
        assert owner.status_code == 200 and owner.json()["recommendation_id"] == str(rec["id"])
    base = f"{offline_chat.server.ws_url}/v1/chat/ws?session={sid}"
    code, reason = await _closed_with(f"{base}&token={offline_chat.token('g-ops', 'globex')}")
    assert code == 1008 and "not found" in reason
    assert (await _closed_with(f"{base}&token={offline_chat.token('1002', '1001')}"))[0] == 1008


async def test_websocket_auth_by_query_or_first_frame(offline_chat: Chat) -> None:
    started = await offline_chat.start({"scope": "analytics", "time_range": {"from": "2025-01-01", "to": "2025-01-31"}})
    base = f"{offline_chat.server.ws_url}/v1/chat/ws?session={started['session_id']}"
    assert (await _closed_with(f"{base}&token=not-a-jwt"))[0] == 1008
    assert (await _closed_with(base, {"type": "ping"}))[0] == 1008
    assert (await _closed_with(base, {"type": "auth", "token": "nope"}))[0] == 1008
    expired = offline_chat.token(ttl_s=-120)
    assert (await _closed_with(f"{base}&token={expired}"))[0] == 1008
    async with websockets.connect(base) as conn:
        import json

        await conn.send(json.dumps({"type": "auth", "token": offline_chat.token()}))
        ready = json.loads(await conn.recv())
    assert ready["type"] == "ready" and ready["session_id"] == started["session_id"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"scope": "recommendation"}, "recommendation_id"),
        ({"scope": "nope"}, "scope"),
        ({"scope": "analytics", "time_range": {"days": 0}}, "days"),
        ({"scope": "analytics", "time_range": {"days": 30, "from": "2025-01-01"}}, "either"),
        ({"scope": "analytics", "time_range": {"from": "2025-02-01", "to": "2025-01-01"}}, "before"),
        ({"scope": "analytics", "tenant_id": "globex"}, "tenant_id"),
        ({"scope": "analytics", "page_context": {"x": "y" * 5000}}, "page_context"),
    ],
)
async def test_bad_start_bodies_are_clear_422s(offline_chat: Chat, body: dict[str, Any], where: str) -> None:
    async with offline_chat.http() as c:
        r = await c.post("/v1/chat/start", json=body, headers=offline_chat.headers())
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and where in str(error), error


async def test_start_needs_a_token_and_unknown_ids_are_404(offline_chat: Chat) -> None:
    async with offline_chat.http() as c:
        r = await c.post("/v1/chat/start", json={"scope": "analytics"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        r = await c.post(
            "/v1/chat/start",
            json={"scope": "recommendation", "recommendation_id": 99999999},
            headers=offline_chat.headers(),
        )
        assert r.status_code == 404
        r = await c.get("/v1/chat/sessions/cs_doesnotexist", headers=offline_chat.headers())
        assert r.status_code == 404 and r.json()["error"]["request_id"]
