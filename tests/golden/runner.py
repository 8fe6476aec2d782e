"""Runs the golden questions through a running chat service (the real one: HTTP start, WebSocket
turn) and scores every answer against the independently computed figures.

Used by tests/golden/test_golden.py (offline, in CI) and bench/golden.py (offline, and on a model
endpoint when one is configured).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infrazen_agent.wording.messages import message
from tests.chat.clients import Chat
from tests.imports.conftest import SAMPLE, SAMPLE_TENANT, load_sqlite

from .expected import Facts, figures, recommendation_id
from .scoring import score

HERE = Path(__file__).parent
# questions.json: the set the offline answers were fixed against; questions_blind.json: written
# afterwards and never tuned on (its first run is what docs/evaluation.md reports).
SETS = ("questions", "questions_blind")
SESSION_DAYS = 30  # the analytics sessions' time range (a question may name its own)


MAIN_TENANT = "1001"  # the demo's main tenant; the FOCUS sample is imported as SAMPLE_TENANT


def facts_of(database_url: str) -> Callable[[str], Facts]:
    """The expected figures of the golden tenants: the demo tenant from its tables, the imported
    sample's tenant from the CSV file itself."""
    by_tenant = {
        MAIN_TENANT: Facts(database_url, MAIN_TENANT),
        SAMPLE_TENANT: Facts(database_url, SAMPLE_TENANT, load_sqlite(SAMPLE)),
    }
    return by_tenant.__getitem__


def load_questions(name: str = "questions") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    return rows


async def ask(chat: Chat, question: dict[str, Any], facts: Facts, user: str) -> dict[str, Any]:
    tenant = question["tenant"]
    body: dict[str, Any] = {"scope": question["scope"]}
    if question["scope"] == "analytics":
        body["time_range"] = {"days": SESSION_DAYS}
    else:
        body["recommendation_id"] = recommendation_id(facts, question["rec_type"])
    started = await chat.start(body, user=user, tenant=tenant)
    async with chat.ws(started["session_id"], user=user, tenant=tenant) as ws:
        t0 = time.perf_counter()
        await ws.send({"type": "message", "content": question["q"]})
        events: list[dict[str, Any]] = []
        first_delta: float | None = None
        while not events or events[-1]["type"] not in ("message", "error") or not events[-1].get("turn_id"):
            events.append(await ws.recv(timeout=120))
            if first_delta is None and events[-1]["type"] == "delta":
                first_delta = time.perf_counter() - t0
        latency = time.perf_counter() - t0
    final = events[-1]
    answer = final.get("content", "") if final["type"] == "message" else ""
    # "did not understand" followed by a digest of figures is not an answer, whatever it contains
    understood = message(f"chat.unknown.{question['scope']}", question["lang"]) not in answer
    expected = figures(facts, question["expect"])
    verdict = score(answer, question["lang"], expected)
    usage = final.get("usage") or {}
    grounding = final.get("grounding") or {}
    return {
        "id": question["id"],
        "type": question["type"],
        "lang": question["lang"],
        "question": question["q"],
        "correct": final["type"] == "message" and understood and verdict.correct,
        "understood": understood,
        "expected": [f.describe() for f in expected],
        "right": verdict.right,
        "wrong": verdict.wrong,
        "missing": verdict.missing,
        "tools": [e["name"] for e in events if e["type"] == "tool_call"],
        "untraced_figures": len(grounding.get("untraced") or []),
        "latency_s": round(latency, 3),
        "first_delta_s": None if first_delta is None else round(first_delta, 3),
        "prompt_tokens": usage.get("prompt_tokens", 0),
        "completion_tokens": usage.get("completion_tokens", 0),
        "cost_usd": usage.get("cost_usd", 0.0),
        "mode": final.get("mode"),
        "error": None if final["type"] == "message" else final.get("code"),
        "answer": answer,
    }


def _share(rows: list[dict[str, Any]]) -> float:
    return round(sum(r["correct"] for r in rows) / len(rows), 3) if rows else 0.0


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_type[r["type"]].append(r)
        by_lang[r["lang"]].append(r)
    latencies = sorted(r["latency_s"] for r in results)
    expected = sum(len(r["expected"]) for r in results)
    return {
        "questions": len(results),
        "accuracy": _share(results),
        "figures_expected": expected,
        "figures_right": sum(len(r["right"]) for r in results),
        "figures_wrong": sum(len(r["wrong"]) for r in results),
        "figures_missing": sum(len(r["missing"]) for r in results),
        "untraced_figures": sum(r["untraced_figures"] for r in results),
        "not_understood": sum(not r["understood"] for r in results),
        "per_type": {t: {"accuracy": _share(rs), "questions": len(rs)} for t, rs in sorted(by_type.items())},
        "per_language": {k: {"accuracy": _share(rs), "questions": len(rs)} for k, rs in sorted(by_lang.items())},
        "latency_s": {
            "p50": round(statistics.median(latencies), 3) if latencies else None,
            "p95": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 3) if latencies else None,
        },
        "tokens": sum(r["prompt_tokens"] + r["completion_tokens"] for r in results),
        "cost_usd": round(sum(r["cost_usd"] for r in results), 6),
    }


async def run(
    chat: Chat, facts_of: Callable[[str], Facts], questions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Every question in order, each from its own user (the per-user turn limit is not what is
    measured), and the summary."""
    rows = questions if questions is not None else load_questions()
    results = [await ask(chat, q, facts_of(q["tenant"]), user=f"golden-{i}") for i, q in enumerate(rows)]
    return {"summary": summarise(results), "results": results}
