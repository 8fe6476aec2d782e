"""With a model, each section's narrative may be the model's, but only where every figure in it
traces; a section whose text invents or twists a figure keeps the deterministic narrative. A model
that answers garbage or fails leaves the whole report deterministic (and still made)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.reports.builder import build
from infrazen_agent.reports.html import render_html
from infrazen_agent.runtime import Runtime
from infrazen_agent.wording.numbers import format_money
from tests.reports.texts import check, html_text
from tests.support.data_fixtures import MAIN_TENANT
from tests.support.llm_server import Reply, ScriptedLLMServer

ANALYST = Principal("u", MAIN_TENANT, roles=("analyst",))


@pytest.fixture
async def runtime(llm_settings: Callable[..., Settings], seeded_db: str) -> AsyncIterator[Runtime]:
    rt = Runtime(llm_settings(database_url=seeded_db))
    await rt.ensure_started()
    yield rt
    await rt.stop()


async def _offline_figures(runtime: Runtime) -> dict[str, Any]:
    report = await build(runtime, ANALYST, persona="cfo", language="ru", days=30, narrative=False)
    ov, recs = report.data["overview"], report.data["recommendations"]
    return {
        "spend": format_money(ov["total_spend"]["amount"], "RUB", "ru", "range"),
        "savings": format_money(recs["total_savings_monthly"]["amount"], "RUB", "ru", "month"),
        "wrong": format_money(recs["total_savings_monthly"]["amount"] * 1.5, "RUB", "ru", "month"),
        "keys": [s.key for s in report.sections],
        "drafts": {s.key: s.narrative for s in report.sections},
    }


async def test_a_section_with_an_invented_figure_keeps_the_deterministic_text(
    runtime: Runtime, llm_server: ScriptedLLMServer
) -> None:
    f = await _offline_figures(runtime)
    texts = {k: f"Раздел без чисел: {k}." for k in f["keys"] if k != "comparison"}
    texts["summary"] = f"Главное: за период потрачено {f['spend']}, экономия до {f['savings']}."
    texts["scenarios"] = f"Экономия составит {f['wrong']} — это очень много."
    llm_server.script(Reply(text=json.dumps(texts, ensure_ascii=False)))
    report = await build(runtime, ANALYST, persona="cfo", language="ru", days=30)
    by_key = {s.key: s for s in report.sections}
    assert by_key["summary"].narrative_by == "model" and by_key["summary"].narrative == texts["summary"]
    assert by_key["scenarios"].narrative_by == "template"
    assert by_key["scenarios"].narrative == f["drafts"]["scenarios"] and f["wrong"] not in render_html(report)
    html = render_html(report)
    assert "проверены по данным" in html  # the reader is told which text a model wrote
    assert check(html_text(html), report).ok
    body = llm_server.requests[-1]
    assert body["response_format"]["type"] == "json_schema"
    assert set(body["response_format"]["json_schema"]["schema"]["required"]) == set(texts)


@pytest.mark.parametrize("answer", ["not json at all", json.dumps(["a", "list"]), json.dumps({"summary": 5})])
async def test_a_garbled_answer_leaves_the_report_deterministic(
    runtime: Runtime, llm_server: ScriptedLLMServer, answer: str
) -> None:
    llm_server.script(Reply(text=answer))
    report = await build(runtime, ANALYST, persona="product", language="en", days=30)
    assert {s.narrative_by for s in report.sections} == {"template"}
    assert check(html_text(render_html(report)), report).ok
