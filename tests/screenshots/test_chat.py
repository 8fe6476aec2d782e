"""A chat turn with a pasted billing screenshot, offline (Tesseract) and with the scripted vision
model: the screenshot is reconciled by the audited tool before anything is written, the answer
cites both sides, and figures read off the image are traced as "from your screenshot"."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.data.source import get_source
from infrazen_agent.runtime import Runtime
from infrazen_agent.screenshots import ocr
from infrazen_agent.screenshots.labels import service_label
from infrazen_agent.screenshots.samples import Bill, bill_from_data, encode, render
from infrazen_agent.wording import format_money
from tests.chat.clients import Chat, of_type, query
from tests.support.llm_server import Reply, ScriptedLLMServer

OWNER = Principal("1001", "1001", roles=("analyst",))


async def _bill(chat: Chat) -> Bill:
    runtime = await Runtime(chat.settings).ensure_started()
    try:
        return await bill_from_data(get_source(runtime), OWNER, "selectel")
    finally:
        await runtime.stop()


async def _upload(chat: Chat, image: bytes) -> str:
    import base64

    async with chat.http() as c:
        r = await c.post(
            "/v1/upload",
            json={"filename": "bill.png", "data": base64.b64encode(image).decode()},
            headers=chat.headers(roles=["analyst"]),
        )
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


@pytest.fixture
async def edited(offline_chat: Chat) -> AsyncIterator[tuple[Bill, Bill]]:
    bill = await _bill(offline_chat)
    yield bill, bill.edited(1, bill.lines[1][1] + 1500)


@pytest.mark.skipif(not ocr.status()["available"] and not os.environ.get("CI"), reason="no Tesseract")
async def test_offline_turn_reconciles_the_screenshot_and_cites_both_sides(
    offline_chat: Chat, edited: tuple[Bill, Bill]
) -> None:
    bill, changed = edited
    upload_id = await _upload(offline_chat, encode(render(changed, "console", "ru")))
    started = await offline_chat.start({"scope": "analytics"})
    async with offline_chat.ws(started["session_id"]) as ws:
        events = await ws.ask(f"[image:{upload_id}] Сверь этот счёт с нашими данными")
    final = events[-1]
    assert final["type"] == "message" and final["mode"] == "offline"
    assert [c["name"] for c in of_type(events, "tool_call")] == ["reconcile_screenshot"]
    text = final["content"]
    service, amount = bill.lines[1]
    label = service_label(service, "ru")
    assert label in text and format_money(amount + 1500, "RUB", "ru", "month") in text
    assert format_money(amount, "RUB", "ru", "month") in text and format_money(1500, "RUB", "ru", "month") in text
    grounding = final["grounding"]
    assert grounding["ok"] is True and grounding["checked"] >= 4
    origins = {n["origin"] for n in grounding["numbers"] if n.get("origin")}
    assert origins == {"screenshot", "data"}
    # Audited like every tool call, under the caller's tenant.
    rows = query(offline_chat.settings, "SELECT tenant_id, outcome FROM tool_calls WHERE tool = 'reconcile_screenshot'")
    assert rows and all(r["tenant_id"] == "1001" and r["outcome"] == "ok" for r in rows)


async def test_vision_model_reads_it_with_a_schema_and_the_answer_is_traced(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    bill = await _bill(online_chat)
    total = format_money(bill.total, "RUB", "ru", "month")
    seen: list[dict[str, Any]] = []

    def reply_for(body: dict[str, Any]) -> Reply:
        seen.append(body)
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
        if schema == "screen_kind":
            return Reply(text=json.dumps({"kind": "billing_console", "provider": "Selectel"}))
        if schema == "screen_content":
            content = {
                "kind": "billing_console",
                "provider": "Selectel",
                "period": {"start": bill.start.isoformat(), "end": bill.end.isoformat(), "confidence": 0.9},
                "currency": "RUB",
                "totals": [{"label": "Итого", "amount": bill.total, "role": "total", "confidence": 0.95}],
                "line_items": [
                    {"label": service_label(s, "ru"), "amount": a, "confidence": 0.95} for s, a in bill.lines
                ],
            }
            return Reply(text=json.dumps(content, ensure_ascii=False))
        return Reply(text=f"На вашем скриншоте итог {total}, и он совпадает с данными InfraZen.")

    llm_server._reply_for = reply_for  # type: ignore[method-assign]
    try:
        upload_id = await _upload(online_chat, encode(render(bill, "dark", "en")))
        started = await online_chat.start({"scope": "analytics"})
        async with online_chat.ws(started["session_id"]) as ws:
            events = await ws.ask(f"[image:{upload_id}] Это сходится?")
    finally:
        del llm_server._reply_for
    final = events[-1]
    assert final["type"] == "message" and final["mode"] == "online", final
    kinds = [((b.get("response_format") or {}).get("json_schema") or {}).get("name") for b in seen]
    assert kinds[:2] == ["screen_kind", "screen_content"]
    for body in seen[:2]:  # the image went to the vision model with the instruction
        parts = body["messages"][-1]["content"]
        assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    answer_request = seen[2]
    tool_outputs = [m["content"] for m in answer_request["messages"] if m["role"] == "tool"]
    assert tool_outputs and '"verdict":"matches"' in tool_outputs[0] and '"reader":"vision"' in tool_outputs[0]
    [number] = final["grounding"]["numbers"]
    assert number["traced"] and number["origin"] == "screenshot" and number["source"].startswith("screenshot.total")
