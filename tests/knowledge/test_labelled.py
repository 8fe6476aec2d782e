"""Retrieval quality on a labelled set of RU and EN questions about the knowledge base: the
passage that answers each question must be among the top 3 for at least 90 % of them. The
full-text-only and vector-only rankings are printed beside it as baselines."""

from __future__ import annotations

from infrazen_agent.knowledge.search import search
from infrazen_agent.runtime import Runtime

from .conftest import labelled_questions, viewer

TARGET = 0.90
TOP = 3


def test_the_set_is_large_enough_in_both_languages() -> None:
    questions = labelled_questions()
    russian = [q for q in questions if any("а" <= ch.lower() <= "я" for ch in q["q"])]
    assert len(questions) >= 40 and len(russian) >= 20 and len(questions) - len(russian) >= 20
    assert len({q["q"] for q in questions}) == len(questions)


async def test_retrieval_finds_the_right_passage_in_the_top_3(indexed: Runtime) -> None:
    questions = labelled_questions()
    principal = viewer("1001")
    rates: dict[str, float] = {}
    misses: list[tuple[str, str, list[str]]] = []
    for mode in ("hybrid", "full_text", "vector"):
        found = 0
        for item in questions:
            out = await search(indexed, principal, item["q"], limit=TOP, mode=None if mode == "hybrid" else mode)  # type: ignore[arg-type]
            ids = [p.passage_id for p in out.passages]
            if item["expected"] in ids:
                found += 1
            elif mode == "hybrid":
                misses.append((item["q"], item["expected"], ids))
        rates[mode] = found / len(questions)
    print(
        f"\nlabelled set: {len(questions)} questions, top-{TOP} hit rate "
        + ", ".join(f"{m} {r:.1%}" for m, r in rates.items())
    )
    for miss in misses:
        print("  missed:", miss)
    assert rates["hybrid"] >= TARGET, misses
