"""The golden questions through the real offline chat (HTTP start, WebSocket turn) on the demo
dataset and the imported FOCUS sample, every answer scored against figures computed independently
(expected.py). Each set's accuracy is printed at the end of the run (conftest.py)."""

from __future__ import annotations

import pytest

from infrazen_agent.config import Settings
from infrazen_agent.runtime import Runtime
from tests.chat.clients import running_chat
from tests.imports.conftest import SAMPLE, SAMPLE_TENANT, run_import

from .conftest import RESULTS
from .runner import SETS, facts_of, load_questions, run


@pytest.mark.parametrize("name", SETS)
async def test_golden_questions_offline(runtime: Runtime, settings: Settings, name: str) -> None:
    assert (await run_import(runtime, SAMPLE_TENANT, SAMPLE))["status"] == "imported"
    questions = load_questions(name)
    with running_chat(settings) as chat:
        report = await run(chat, facts_of(settings.database_url), questions)
    summary = report["summary"]
    RESULTS[name] = summary
    misses = [(r["id"], r["wrong"], r["missing"]) for r in report["results"] if not r["correct"]]
    assert summary["questions"] == len(questions) and all(r["mode"] == "offline" for r in report["results"])
    # every question answered with every figure right (a regression here is a failure, not a
    # dip in a percentage), and every figure traced to data by the number checker
    assert misses == [] and summary["accuracy"] == 1.0
    assert summary["untraced_figures"] == 0 and summary["not_understood"] == 0


def test_the_golden_sets_are_what_the_issue_asks_for() -> None:
    rows = [q for name in SETS for q in load_questions(name)]
    assert len(load_questions("questions")) >= 60
    assert len({q["id"] for q in rows}) == len(rows)
    for lang in ("ru", "en"):  # both languages, each type asked in each
        assert {q["type"] for q in rows if q["lang"] == lang} == {q["type"] for q in rows}
    types = {q["type"] for q in rows}
    for wanted in ("totals", "top_services", "month_over_month", "anomalies", "savings", "forecast", "why"):
        assert wanted in types
    assert "cross_provider" in types and any(q["tenant"] == SAMPLE_TENANT for q in rows)
    for name in SETS:  # every question asked in both languages (a few pairs name different providers)
        pairs: dict[tuple[str, str], dict[str, list[str]]] = {}
        for q in load_questions(name):
            assert q["expect"], q["id"]
            key = (q["type"], q["id"].rsplit("-", 1)[1])
            pairs.setdefault(key, {})[q["lang"]] = q["expect"]
        assert all(p.keys() == {"ru", "en"} for p in pairs.values()), name
        assert sum(p["ru"] == p["en"] for p in pairs.values()) >= len(pairs) - 3, name
