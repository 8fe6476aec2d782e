"""“Make a report of this” in the analytics chat: the model proposes `create_report`; nothing is
made until the user says yes; on yes the job starts, the chat gets `report` events (queued, then
ready with its links) and the files download; on no nothing is made. The InfraZen page gets the
same as text, with the link, after «да»."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from tests.chat.clients import Chat, of_type, query
from tests.chat.seeded import database_url
from tests.chat.test_legacy_client import _frames, infrazen_token
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall
from tests.support.servers import live_server

__all__ = ["database_url"]


@pytest.fixture
def chat(llm_settings: Callable[..., Settings]) -> Iterator[Chat]:
    settings = llm_settings()
    with live_server(create_app(["chat", "generate_text"], settings)) as server:
        yield Chat(server, settings)


def _propose(llm: ScriptedLLMServer, **args: Any) -> None:
    llm.script(
        Reply(tool_calls=[ScriptedToolCall("create_report", json.dumps(args), "r1")]),
        Reply(text="Предлагаю сделать отчёт — подтвердите."),
    )


async def _until(conn: Any, done: Callable[[dict[str, Any]], bool], timeout: float = 60) -> list[dict[str, Any]]:
    events = []
    while True:
        e = json.loads(await asyncio.wait_for(conn.recv(), timeout))
        events.append(e)
        if done(e):
            return events


@pytest.mark.slow
async def test_a_report_is_made_only_after_the_users_yes(chat: Chat, llm_server: ScriptedLLMServer) -> None:
    _propose(llm_server, persona="cfo", days=90, language="ru", format="both")
    sid = (await chat.start({"scope": "analytics"}))["session_id"]
    url = f"{chat.server.ws_url}/v1/chat/ws?session={sid}&token={chat.token(roles=['analyst'])}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())  # ready
        await conn.send(json.dumps({"type": "message", "content": "Сделай отчёт для финдиректора за квартал"}))
        events = await _until(conn, lambda e: e["type"] in ("message", "error"))
        [asked] = of_type(events, "confirm_required")
        assert asked["name"] == "create_report" and "финансовый директор" in asked["preview"]
        assert query(chat.settings, "SELECT id FROM reports") == []  # nothing before the yes
        # create_report is offered to the model only when the question asks for a report
        offered = [t["function"]["name"] for t in llm_server.requests[0]["tools"]]
        assert "create_report" in offered
        await conn.send(json.dumps({"type": "confirm", "action_id": asked["action_id"], "approve": True}))
        after = await _until(conn, lambda e: e["type"] == "report" and e["status"] in ("ready", "failed"))
    [result] = of_type(after, "action_result")
    assert result["status"] == "executed" and "/v1/reports/rep_" in result["summary"]
    reports = of_type(after, "report")
    assert [r["status"] for r in reports] == ["queued", "ready"]
    ready = reports[-1]
    assert ready["report_id"] == result["result"]["data"]["report_id"]
    assert set(ready["links"]) == {"status", "html", "pdf"} and ready["title"] == "Отчёт FinOps: финансовый директор"
    async with chat.http() as c:
        pdf = await c.get(ready["links"]["pdf"], headers=chat.headers(roles=["analyst"]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        other = await c.get(ready["links"]["html"], headers=chat.headers("9", "2002", roles=["analyst"]))
        assert other.status_code == 404
    [row] = query(chat.settings, "SELECT session_id, persona, days FROM reports")
    assert row == {"session_id": sid, "persona": "cfo", "days": 90}


async def test_no_means_no_report(chat: Chat, llm_server: ScriptedLLMServer) -> None:
    _propose(llm_server, persona="finops", days=30)
    sid = (await chat.start({"scope": "analytics"}))["session_id"]
    url = f"{chat.server.ws_url}/v1/chat/ws?session={sid}&token={chat.token(roles=['analyst'])}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())
        await conn.send(json.dumps({"type": "message", "content": "Make a report"}))
        [asked] = of_type(await _until(conn, lambda e: e["type"] == "message"), "confirm_required")
        await conn.send(json.dumps({"type": "confirm", "action_id": asked["action_id"], "approve": False}))
        result = await _until(conn, lambda e: e["type"] == "action_result")
    assert result[-1]["status"] == "rejected"
    await asyncio.sleep(0.3)
    assert query(chat.settings, "SELECT id FROM reports") == []


@pytest.mark.slow
async def test_the_infrazen_page_gets_the_link_after_da(chat: Chat, llm_server: ScriptedLLMServer) -> None:
    _propose(llm_server, persona="product", days=30, format="html")
    token = infrazen_token(1001, scenario="analytics")
    async with websockets.connect(f"{chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Сделай отчёт для владельца продукта"}))
        frames = await _frames(conn, "assistant")
        while "Подтвердите: да/нет" not in frames[-1]["content"]:
            frames += await _frames(conn, "assistant")
        await _frames(conn, "assistant")  # the answer after the proposal
        await conn.send(json.dumps({"content": "да"}))
        started = await _frames(conn, "assistant")
        ready = await _frames(conn, "assistant")
    assert started[-1]["content"].startswith("Готово:") and "/v1/reports/rep_" in started[-1]["content"]
    assert ready[-1]["content"].startswith("Отчёт готов") and "/html" in ready[-1]["content"]
    link = ready[-1]["content"].split("Скачать: ")[1].strip()
    async with chat.http() as c:
        page = await c.get(link, headers={"Authorization": f"Bearer {token}"})  # the page's own token
        assert page.status_code == 200 and "владелец продукта" in page.text
        other = infrazen_token(1002, scenario="analytics")  # another InfraZen user: another tenant
        assert (await c.get(link, headers={"Authorization": f"Bearer {other}"})).status_code == 404


@pytest.fixture
def offline(make_settings: Callable[..., Settings]) -> Iterator[Chat]:
    settings = make_settings()
    with live_server(create_app(["chat", "generate_text"], settings)) as server:
        yield Chat(server, settings)


@pytest.mark.parametrize(
    ("question", "persona", "days"),
    [
        ("Сделай отчёт для финдиректора за квартал", "cfo", 90),
        ("Make a report for the CTO for the last 14 days", "cto", 14),
        ("Подготовь отчёт", "finops", 30),
    ],
)
async def test_without_a_model_the_chat_proposes_the_report_the_question_asks_for(
    offline: Chat, question: str, persona: str, days: int
) -> None:
    sid = (await offline.start({"scope": "analytics"}))["session_id"]
    url = f"{offline.server.ws_url}/v1/chat/ws?session={sid}&token={offline.token(roles=['analyst'])}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())
        await conn.send(json.dumps({"type": "message", "content": question}))
        events = await _until(conn, lambda e: e["type"] == "message")
        [asked] = of_type(events, "confirm_required")
        assert asked["name"] == "create_report"
        assert (asked["arguments"]["persona"], asked["arguments"]["days"]) == (persona, days)
        assert asked["preview"] in events[-1]["content"] and events[-1]["mode"] == "offline"
        assert query(offline.settings, "SELECT id FROM reports") == []
        await conn.send(json.dumps({"type": "confirm", "action_id": asked["action_id"], "approve": True}))
        after = await _until(conn, lambda e: e["type"] == "report" and e["status"] in ("ready", "failed"))
    assert after[-1]["status"] == "ready", after[-1]


async def test_a_viewer_is_told_why_no_report_is_proposed(offline: Chat) -> None:
    sid = (await offline.start({"scope": "analytics"}))["session_id"]
    url = f"{offline.server.ws_url}/v1/chat/ws?session={sid}&token={offline.token(roles=['viewer'])}"
    async with websockets.connect(url) as conn:
        json.loads(await conn.recv())
        await conn.send(json.dumps({"type": "message", "content": "Сделай отчёт"}))
        events = await _until(conn, lambda e: e["type"] == "message")
    assert not of_type(events, "confirm_required")
    assert (
        "Отчёт предложить не получилось" in events[-1]["content"]
        and "аналитики и администраторы" in events[-1]["content"]
    )
