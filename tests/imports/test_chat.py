"""The chat and the report on an imported bill: the offline analytics chat answers about the
sample's providers in its currency, and a report is made from it."""

from __future__ import annotations

import re

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.reports.builder import build
from infrazen_agent.reports.html import render_html
from infrazen_agent.runtime import Runtime
from tests.chat.clients import of_type, running_chat
from tests.imports.conftest import SAMPLE, SAMPLE_TENANT, run_import


async def test_the_chat_and_a_report_on_imported_data(runtime: Runtime, settings: Settings) -> None:
    assert (await run_import(runtime, SAMPLE_TENANT, SAMPLE))["status"] == "imported"
    with running_chat(settings) as chat:
        started = await chat.start(
            {"scope": "analytics", "time_range": {"days": 30}}, user="boss", tenant=SAMPLE_TENANT
        )
        async with chat.ws(started["session_id"], user="boss", tenant=SAMPLE_TENANT) as ws:
            events = await ws.ask("How are costs split by provider?")
    assert [c["name"] for c in of_type(events, "tool_call")] == ["get_provider_breakdown"]
    final = events[-1]
    assert final["type"] == "message" and "aws" in final["content"].lower()
    assert re.search(r"\$\d[\d,]*\.\d\d", final["content"]) and final["grounding"]["ok"] is True

    report = await build(
        runtime,
        Principal(user_id="boss", tenant_id=SAMPLE_TENANT, roles=("analyst",)),
        persona="finops",
        language="en",
        days=30,
    )
    html = render_html(report)
    assert "aws" in html.lower() and "Amazon Elastic Compute Cloud" in html
