"""Action tools: the model only proposes; the user confirms the exact payload; the action runs
once (idempotent by action id, also under racing confirmations), audited at proposal, decision
and execution; viewers, the demo user, other users and expired proposals get nothing done."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI, Request

from infrazen_agent.config import Settings
from tests.chat.clients import Chat, of_type, query, running_chat, top_recommendation
from tests.chat.seeded import database_url
from tests.chat.test_legacy_client import _frames, infrazen_token
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall
from tests.support.servers import LiveServer, live_server

__all__ = ["database_url"]


class FakeJira:
    """A Jira-compatible endpoint that validates what it is sent."""

    def __init__(self) -> None:
        self.issues: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/rest/api/2/issue")
        async def create(request: Request) -> Any:
            from fastapi.responses import JSONResponse

            if request.headers.get("authorization") != "Bearer jira-token":
                return JSONResponse({"errorMessages": ["unauthorised"]}, status_code=401)
            body = await request.json()
            f = body.get("fields", {})
            ok = f.get("project", {}).get("key") == "OPS" and f.get("summary") and f.get("description")
            if not ok or f.get("issuetype", {}).get("name") != "Task":
                return JSONResponse({"errors": {"fields": "invalid"}}, status_code=400)
            self.issues.append(body)
            await asyncio.sleep(0.2)  # slow enough for two confirmations to race
            return {"id": str(len(self.issues)), "key": f"OPS-{len(self.issues)}"}


@pytest.fixture
def jira() -> Iterator[tuple[FakeJira, LiveServer]]:
    fake = FakeJira()
    with live_server(fake.app) as server:
        yield fake, server


@pytest.fixture
def chat(llm_settings: Callable[..., Settings], jira: tuple[FakeJira, LiveServer]) -> Iterator[Chat]:
    settings = llm_settings(
        actions_ticket_url=jira[1].url, actions_ticket_project="OPS", actions_ticket_token="jira-token"
    )
    with running_chat(settings) as c:
        yield c


def _audit(chat: Chat, action_id: str) -> list[str]:
    return [
        r["stage"]
        for r in query(chat.settings, "SELECT stage FROM action_audit WHERE action_id = %s ORDER BY id", action_id)
    ]


async def _confirm(
    c: httpx.AsyncClient, sid: str, action_id: str, approve: bool, headers: dict[str, str]
) -> httpx.Response:
    body = {"action_id": action_id, "approve": approve}
    return await c.post(f"/v1/chat/sessions/{sid}/confirm", json=body, headers=headers)


async def _propose(
    chat: Chat, llm: ScriptedLLMServer, tool: str, args: dict[str, Any], **token: Any
) -> tuple[str, list[dict[str, Any]]]:
    rec = top_recommendation(chat.settings)
    llm.script(
        Reply(tool_calls=[ScriptedToolCall(tool, json.dumps({"recommendation_id": rec["id"], **args}), "a1")]),
        Reply(text="Я подготовил предложение; подтвердите его."),
    )
    sid = (await chat.start({"scope": "recommendation", "recommendation_id": rec["id"]}))["session_id"]
    url = f"{chat.server.ws_url}/v1/chat/ws?session={sid}&token={chat.token('1001', '1001', **token)}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())
        await conn.send(json.dumps({"type": "message", "content": "Оформи план изменений"}))
        events = []
        while (e := json.loads(await asyncio.wait_for(conn.recv(), 15)))["type"] not in ("message", "error"):
            events.append(e)
        events.append(e)
    return sid, events


async def test_a_plan_runs_only_after_confirmation_and_only_once(chat: Chat, llm_server: ScriptedLLMServer) -> None:
    sid, events = await _propose(chat, llm_server, "draft_change_plan", {}, roles=["analyst"])
    [asked] = of_type(events, "confirm_required")
    action_id = asked["action_id"]
    assert asked["name"] == "draft_change_plan" and "плана изменений" in asked["preview"]
    assert of_type(events, "tool_result")[0]["ok"] is True and events[-1]["type"] == "message"
    assert _audit(chat, action_id) == ["proposed"]
    assert query(chat.settings, "SELECT status FROM actions WHERE id = %s", action_id)[0]["status"] == "proposed"
    headers = chat.headers(roles=["analyst"])
    async with chat.http() as c:
        nothing = await c.get(f"/v1/actions/{action_id}/document", headers=headers)
        assert nothing.status_code == 404  # nothing was written before the confirmation
        url = f"{chat.server.ws_url}/v1/chat/ws?session={sid}&token={chat.token(roles=['analyst'])}"
        async with websockets.connect(url) as conn:
            json.loads(await conn.recv())  # ready
            await conn.send(json.dumps({"type": "confirm", "action_id": action_id, "approve": True}))
            result = json.loads(await conn.recv())
        assert result["type"] == "action_result" and result["status"] == "executed", result
        again = await _confirm(c, sid, action_id, True, headers)
        assert again.status_code == 200 and again.json()["status"] == "executed"
        doc = await c.get(f"/v1/actions/{action_id}/document", headers=headers)
        assert doc.status_code == 200 and "# Change plan" in doc.text and "| 1 |" in doc.text
        for other in (chat.headers("1002", "1001", roles=["analyst"]), chat.headers("g", "globex", roles=["admin"])):
            assert (await c.get(f"/v1/actions/{action_id}", headers=other)).status_code == 404
    assert _audit(chat, action_id) == ["proposed", "approved", "executed"]


async def test_racing_confirmations_open_one_ticket(
    chat: Chat, llm_server: ScriptedLLMServer, jira: tuple[FakeJira, LiveServer]
) -> None:
    sid, events = await _propose(chat, llm_server, "create_ticket", {"summary": "Перенести web-01"}, roles=["analyst"])
    action_id = of_type(events, "confirm_required")[0]["action_id"]
    headers = chat.headers(roles=["analyst"])
    async with chat.http() as c:
        answers = await asyncio.gather(*(_confirm(c, sid, action_id, True, headers) for _ in range(5)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert len(jira[0].issues) == 1 and jira[0].issues[0]["fields"]["summary"] == "Перенести web-01"
    executed = [a.json() for a in answers if a.json()["status"] == "executed"]
    assert executed and all(e["action"]["result"]["data"]["key"] == "OPS-1" for e in executed)
    assert _audit(chat, action_id) == ["proposed", "approved", "executed"]


async def test_rejected_expired_and_unauthorised_do_nothing(
    chat: Chat, llm_server: ScriptedLLMServer, jira: tuple[FakeJira, LiveServer]
) -> None:
    headers = chat.headers(roles=["analyst"])
    sid, events = await _propose(chat, llm_server, "create_ticket", {"summary": "Задача"}, roles=["analyst"])
    rejected = of_type(events, "confirm_required")[0]["action_id"]
    async with chat.http() as c:
        r = await _confirm(c, sid, rejected, False, headers)
        assert r.json()["status"] == "rejected"
        late = await _confirm(c, sid, rejected, True, headers)
        assert late.json()["status"] == "rejected"  # decided once
    assert _audit(chat, rejected) == ["proposed", "rejected"]

    sid2, events2 = await _propose(chat, llm_server, "create_ticket", {"summary": "Задача 2"}, roles=["analyst"])
    expired = of_type(events2, "confirm_required")[0]["action_id"]
    query(chat.settings, "UPDATE actions SET expires_at = now() - interval '1 s' WHERE id = %s RETURNING id", expired)
    async with chat.http() as c:
        r = await _confirm(c, sid2, expired, True, headers)
        assert r.status_code == 404 and "expired" in r.json()["error"]["message"]
    assert jira[0].issues == []

    for token in ({}, {"roles": ["admin"], "demo": True}):  # a viewer, the demo user: not even proposed
        _, events3 = await _propose(chat, llm_server, "draft_change_plan", {}, **token)
        assert not of_type(events3, "confirm_required")
        assert of_type(events3, "tool_result")[0]["error_code"] == "forbidden"
    async with chat.http() as c:
        direct = await c.post("/v1/tools/draft_change_plan", json={"recommendation_id": 1}, headers=headers)
    assert direct.status_code in (403, 404)  # never runs outside the confirmation flow


async def test_the_infrazen_page_confirms_with_da(chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(chat.settings)
    llm_server.script(
        Reply(tool_calls=[ScriptedToolCall("draft_change_plan", json.dumps({"recommendation_id": rec["id"]}), "a1")]),
        Reply(text="План предложен."),
    )
    token = infrazen_token(1001, scenario="recommendation", recommendation_id=rec["id"])
    async with websockets.connect(f"{chat.server.ws_url}/v1/chat/rec/{rec['id']}?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Составь план изменений"}))
        frames = await _frames(conn, "assistant")
        while "Подтвердите: да/нет" not in frames[-1]["content"]:
            frames += await _frames(conn, "assistant")
        await _frames(conn, "assistant")  # the answer after the proposal
        await conn.send(json.dumps({"content": "Да"}))
        done = await _frames(conn, "assistant")
    assert done[-1]["content"].startswith("Готово:") and "/v1/actions/" in done[-1]["content"]
