"""The number checker against the adversarial corpus (tests/agent/grounding_corpus.py): every
wrong figure flagged, no correct answer flagged, on the demo recommendations' real tool outputs.

One load per recommendation type for the whole module (a read-only clone of the demo database,
one runtime); the checks themselves are pure. `-s` prints the per-category rates as JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.embedded import EmbeddedRedis
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import get_registry
from infrazen_agent.tools.registry import ToolContext
from tests.agent.grounding_corpus import (
    APPROX,
    CASES,
    EXACT,
    NEAR,
    Case,
    SkipCase,
    Subject,
    ToolOutputs,
    Wrong,
    clearly_wrong,
    far,
    load_tool_outputs,
    numeric_leaves,
    subject_from_outputs,
    truths,
)
from tests.conftest import TEST_SECRET
from tests.support.data_fixtures import MAIN_TENANT, DemoIds

MIN_FLAGGED = 0.98  # of the wrong figures
MAX_FALSE_FLAGS = 0.02  # of the correct answers
REC_TYPES = sorted({c.rec_type for c in CASES})
IDS = [c.id for c in CASES]


@dataclass(frozen=True)
class Loaded:
    subject: Subject
    outputs: ToolOutputs


def _db_url(admin_url: str, name: str) -> str:
    return admin_url.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="module")
def loaded(
    pg_admin_url: str,
    demo_template: tuple[str, DemoIds],
    redis_server: EmbeddedRedis,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Loaded]]:
    """The tool outputs and true figures of the first demo recommendation of each type in the
    main tenant, read once for the module through the real tools (what `seeded_runtime` does
    per test, on one clone of the demo database)."""
    template, demo = demo_template
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings = Settings(
        _env_file=None,
        database_url=_db_url(pg_admin_url, name),
        redis_url=redis_server.url,
        agent_data_dir=Path(tmp_path_factory.mktemp("corpus")) / "data",
        agent_service_jwt_secret=TEST_SECRET,
        agent_load_demo=False,
        llm_offline=True,
    )

    async def load() -> dict[str, Loaded]:
        runtime = Runtime(settings)
        await runtime.ensure_started()
        try:
            ctx = ToolContext(runtime=runtime, principal=Principal("t", MAIN_TENANT))
            out = {}
            for rec_type in REC_TYPES:
                outputs = await load_tool_outputs(get_registry(), ctx, demo.recommendation(MAIN_TENANT, rec_type))
                out[rec_type] = Loaded(subject_from_outputs(outputs), outputs)
            return out
        finally:
            await runtime.stop()

    try:
        yield asyncio.run(load())
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def facts(loaded: dict[str, Loaded]) -> dict[str, list[Any]]:
    from infrazen_agent.agent import grounding

    if not hasattr(grounding, "facts_from_tool"):
        pytest.skip("the checker does not export facts_from_tool yet")
    return {
        rec_type: [f for name, data in item.outputs for f in grounding.facts_from_tool(name, data)]
        for rec_type, item in loaded.items()
    }


def _text(case: Case, loaded: dict[str, Loaded]) -> str | None:
    try:
        return case.build(loaded[case.rec_type].subject)
    except SkipCase:
        return None


_SPACES = re.compile(r"[\u00a0\u202f\u2009 ]+")
_NUMBER = re.compile(r"\d(?:[\d.,\s]*\d)?")


def _tokens(text: str) -> set[str]:
    return set(_NUMBER.findall(_SPACES.sub(" ", text)))


def names_wrong(wrong: Wrong, claim_text: str) -> bool:
    """Whether an untraced claim is the wrong figure: the same written number (digits), or the
    wrong number's words within the claim."""
    for mark in (wrong.text, *wrong.also):
        want = _tokens(mark)
        if want and want <= _tokens(claim_text):
            return True
        if not want and _SPACES.sub(" ", mark).lower() in _SPACES.sub(" ", claim_text).lower():
            return True
    return False


@dataclass
class Outcome:
    case: Case
    text: str
    flagged: bool
    named: bool  # for a flag case: the wrong figure is among the untraced claims
    grounding: dict[str, Any]


def _run(case: Case, loaded: dict[str, Loaded], facts: dict[str, list[Any]]) -> Outcome | None:
    from infrazen_agent.agent.grounding import trace

    text = _text(case, loaded)
    if text is None:
        return None
    g = trace(text, facts[case.rec_type])
    named = False
    if case.wrong is not None and not g.ok:
        wrong = case.wrong(loaded[case.rec_type].subject)
        named = any(names_wrong(wrong, t.claim.text) for t in g.untraced)
    return Outcome(case, text, not g.ok, named, g.to_dict())


def test_corpus_is_large_balanced_and_unique() -> None:
    assert len(CASES) >= 170
    assert len(set(IDS)) == len(IDS)
    by_category: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in CASES:
        by_category[c.category].add((c.lang, c.expect))
        assert (c.expect == "flag") == (c.wrong is not None), c.id
    pass_only = {"dates", "years", "versions", "steps"}
    for category, seen in by_category.items():
        expects = {"pass"} if category in pass_only else {"pass", "flag"}
        assert seen == {(lang, e) for lang in ("ru", "en") for e in expects}, (category, seen)


def test_flag_cases_hold_a_clearly_wrong_figure(loaded: dict[str, Loaded]) -> None:
    """Label check: each flag case's wrong figure is in its text, and (unless the case is about a
    true number in a wrong role, unit, period or currency) is clearly off every true figure of
    the subject and every number of the same magnitude in the tool outputs."""
    problems = []
    for case in CASES:
        if case.wrong is None:
            continue
        item = loaded[case.rec_type]
        text = _text(case, loaded)
        if text is None:
            continue
        w = case.wrong(item.subject)
        if not names_wrong(w, text):
            problems.append(f"{case.id}: {w.text!r} is not in the text")
        if w.value is None:
            assert w.kind == "role", case.id
            continue
        if w.cross_kind_trap:
            if not far(w.value, truths(item.subject)[w.kind], NEAR if w.approx else EXACT):
                problems.append(f"{case.id}: {w.value} is close to a true {w.kind} figure of the subject")
        elif not clearly_wrong(item.subject, w.kind, w.value, w.of, w.approx):
            problems.append(f"{case.id}: {w.value} is close to a true figure of the subject")
        if w.kind in ("money", "percent"):
            tol = NEAR if w.approx else EXACT
            leaves = [
                v
                for key, v in numeric_leaves([data for _, data in item.outputs])
                if key not in ("id", "resource_id", "recommendation_id", "rank", "order", "points")
                and (v >= 50 if w.kind == "money" else 0 < v <= 100 and ("pct" in key or "below" in key))
            ]
            if not far(w.value, leaves, tol):
                problems.append(f"{case.id}: {w.value} is close to a number in the tool outputs")
        if w.approx:
            assert w.of is not None and far(w.value, [w.of], APPROX), case.id
    assert not problems, "\n".join(problems)


def test_cases_build_on_the_demo_data(loaded: dict[str, Loaded]) -> None:
    built = [c.id for c in CASES if _text(c, loaded) is not None]
    assert len(built) >= 170, f"only {len(built)} cases build on the demo data"


def test_rates_over_the_corpus(loaded: dict[str, Loaded], facts: dict[str, list[Any]]) -> None:
    outcomes = [o for c in CASES if (o := _run(c, loaded, facts)) is not None]
    table: dict[str, dict[str, Any]] = {}
    for category in sorted({o.case.category for o in outcomes}):
        mine = [o for o in outcomes if o.case.category == category]
        flags = [o for o in mine if o.case.expect == "flag"]
        passes = [o for o in mine if o.case.expect == "pass"]
        table[category] = {
            "flag_cases": len(flags),
            "flagged_rate": round(sum(o.flagged and o.named for o in flags) / len(flags), 3) if flags else None,
            "pass_cases": len(passes),
            "false_flag_rate": round(sum(o.flagged for o in passes) / len(passes), 3) if passes else None,
            "failing": [o.case.id for o in flags if not (o.flagged and o.named)]
            + [o.case.id for o in passes if o.flagged],
        }
    flags = [o for o in outcomes if o.case.expect == "flag"]
    passes = [o for o in outcomes if o.case.expect == "pass"]
    flagged = sum(o.flagged and o.named for o in flags) / len(flags)
    false_flags = sum(o.flagged for o in passes) / len(passes)
    table["_overall"] = {
        "flag_cases": len(flags),
        "flagged_rate": round(flagged, 3),
        "pass_cases": len(passes),
        "false_flag_rate": round(false_flags, 3),
    }
    print(
        "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()) + "\n}"
    )
    assert flagged >= MIN_FLAGGED, table
    assert false_flags <= MAX_FALSE_FLAGS, table


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(case: Case, loaded: dict[str, Loaded], facts: dict[str, list[Any]]) -> None:
    outcome = _run(case, loaded, facts)
    if outcome is None:
        pytest.skip(f"{case.rec_type} lacks a figure {case.id} needs")
    detail = f"\n{outcome.text}\n{json.dumps(outcome.grounding, ensure_ascii=False, indent=1, default=str)}"
    if case.expect == "pass":
        assert not outcome.flagged, f"a correct answer was flagged:{detail}"
    else:
        assert outcome.flagged, f"the wrong figure was not flagged:{detail}"
        assert outcome.named, (
            f"flagged, but not for the wrong figure {case.wrong and case.wrong(loaded[case.rec_type].subject)}:{detail}"
        )
