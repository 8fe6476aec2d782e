"""A legacy InfraZen token opens only what it was minted for: every route and tool it can reach,
for its own recommendation, another recommendation of the same user, and the analytics chat."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.chat.clients import Chat, top_recommendation
from tests.chat.seeded import database_url
from tests.chat.test_legacy_client import infrazen_token
from tests.support.servers import live_server

__all__ = ["database_url"]


@pytest.fixture
def service(settings: Settings) -> Iterator[Chat]:
    app = create_app(["chat", "upload", "tools", "generate_text"], settings)
    with live_server(app) as server:
        yield Chat(server, settings)


def _allowed(token_kind: str, target: str, route: str) -> bool:
    """The rule: a chat token never reaches the tool API or reports; a recommendation token
    reaches its own recommendation only; an analytics token reaches the analytics chat, and the
    tenant's recommendation texts by id (that chat lists and compares them)."""
    if route in ("tool", "report", "resource_text"):
        return False
    if token_kind == "rec_a":
        return target == "rec_a"
    return target == "analytics" or route == "text"


async def test_legacy_scope_matrix(service: Chat) -> None:
    s = service.settings
    rec_a = top_recommendation(s)["id"]
    rec_b = _another(s, rec_a)
    tokens = {
        "rec_a": infrazen_token(1001, scenario="recommendation", recommendation_id=rec_a),
        "analytics": infrazen_token(1001, scenario="analytics", context={"time_range_days": 30}),
    }
    # Sessions of the same user (1001) opened with our own token: the legacy token's owner.
    sessions = {
        "rec_a": (await service.start({"scope": "recommendation", "recommendation_id": rec_a}))["session_id"],
        "rec_b": (await service.start({"scope": "recommendation", "recommendation_id": rec_b}))["session_id"],
        "analytics": (await service.start({"scope": "analytics"}))["session_id"],
    }
    rec_ids = {"rec_a": rec_a, "rec_b": rec_b}
    cells: list[tuple[str, str, str, bool, bool]] = []
    async with service.http() as c:
        for (kind, token), target in itertools.product(tokens.items(), ["rec_a", "rec_b", "analytics"]):
            h = {"Authorization": f"Bearer {token}"}
            sid = sessions[target]
            body: dict[str, Any] = (
                {"scope": "analytics"}
                if target == "analytics"
                else {"scope": "recommendation", "recommendation_id": rec_ids[target]}
            )
            probes = {
                "start": (await c.post("/v1/chat/start", json=body, headers=h)).status_code == 201,
                "transcript": (await c.get(f"/v1/chat/sessions/{sid}", headers=h)).status_code == 200,
                "message": (
                    await c.post(f"/v1/chat/sessions/{sid}/messages", json={"content": "Итог?"}, headers=h)
                ).status_code
                == 200,
                "cancel": (await c.post(f"/v1/chat/sessions/{sid}/cancel", headers=h)).status_code == 202,
                "ws": await _ws_opens(service, sid, token),
            }
            if target != "analytics":
                rid = rec_ids[target]
                tool = await c.post("/v1/tools/get_recommendation", json={"recommendation_id": rid}, headers=h)
                text = await c.post("/v1/generate/recommendation-text", json={"recommendation_id": rid}, headers=h)
                probes |= {"tool": tool.status_code == 200, "text": text.status_code == 200}
                assert tool.status_code == 403 and text.status_code in (200, 404), (tool.text, text.text)
            else:
                report = await c.post("/v1/reports/data", json={"role": "cfo"}, headers=h)
                resource_text = await c.post("/v1/generate/recommendation-text", json={"resource_id": 1}, headers=h)
                probes |= {"report": report.status_code == 200, "resource_text": resource_text.status_code == 200}
                assert report.status_code == resource_text.status_code == 403
            for route, ok in probes.items():
                cells.append((kind, target, route, _allowed(kind, target, route), ok))
    wrong = [cell for cell in cells if cell[3] != cell[4]]
    assert not wrong, wrong
    assert len(cells) == 2 * 3 * 5 + 2 * 2 * 2 + 2 * 2


def _another(settings: Settings, rec_id: int) -> int:
    from tests.chat.clients import query

    rows = query(settings, "SELECT id FROM recommendations WHERE tenant_id = '1001' AND id <> %s LIMIT 1", rec_id)
    return int(rows[0]["id"])


async def _ws_opens(service: Chat, session_id: str, token: str) -> bool:
    url = f"{service.server.ws_url}/v1/chat/ws?session={session_id}&token={token}"
    async with websockets.connect(url) as conn:
        try:
            first = await conn.recv()
        except websockets.ConnectionClosed:
            return False
    return '"ready"' in str(first)


async def test_a_legacy_tenant_claim_is_ignored(service: Chat) -> None:
    """In InfraZen a tenant is a user: a `tenant_id` claim on such a token reads nothing else."""
    token = infrazen_token(1001, scenario="analytics", tenant_id="globex")
    foreign = top_recommendation(service.settings, tenant="globex")["id"]
    own = top_recommendation(service.settings)["id"]
    async with httpx.AsyncClient(base_url=service.server.url, timeout=30) as c:
        h = {"Authorization": f"Bearer {token}"}
        theirs = await c.post("/v1/generate/recommendation-text", json={"recommendation_id": foreign}, headers=h)
        mine = await c.post("/v1/generate/recommendation-text", json={"recommendation_id": own}, headers=h)
    assert theirs.status_code == 404 and mine.status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {},  # no chat named
        {"scenario": ""},
        {"scenario": "admin"},
        {"scenario": "recommendation"},  # no recommendation
        {"scenario": "recommendation", "recommendation_id": None},
        {"scenario": "recommendation", "recommendation_id": "5; DROP"},
        {"scenario": "recommendation", "recommendation_id": True},
        {"recommendation_id": -3},
    ],
)
async def test_a_chat_token_with_an_unreadable_scope_opens_nothing(service: Chat, claims: dict[str, Any]) -> None:
    token = infrazen_token(1001, **claims)
    rec = top_recommendation(service.settings)["id"]
    async with httpx.AsyncClient(base_url=service.server.url) as c:
        h = {"Authorization": f"Bearer {token}"}
        for method, path, body in (
            ("POST", "/v1/chat/start", {"scope": "analytics"}),
            ("POST", "/v1/chat/start", {"scope": "recommendation", "recommendation_id": rec}),
            ("POST", "/v1/generate/recommendation-text", {"recommendation_id": rec}),
        ):
            r = await c.request(method, path, json=body, headers=h)
            assert r.status_code == 401, (claims, path, r.text)
