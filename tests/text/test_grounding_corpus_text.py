"""The adversarial corpus through `POST /v1/generate/recommendation-text`: the scripted model
writes the case's text as its prose (twice: the corrective retry gets the same). A wrong figure
must never reach the user as model prose (the deterministic text answers); a correct answer must
come back as the model's prose. `-s` prints the rates."""

from __future__ import annotations

import json
from typing import Any

import httpx

from infrazen_agent.auth import Principal
from infrazen_agent.tools import get_registry
from infrazen_agent.tools.registry import ToolContext
from tests.agent.grounding_corpus import CASES, Case, SkipCase, load_tool_outputs, rate_table, subject_from_outputs
from tests.support.data_fixtures import MAIN_TENANT, DemoIds
from tests.support.llm_server import Reply, ScriptedLLMServer

from .test_service import URL, owner_headers
from .test_service import llm_text_client as llm_text_client  # the fixture, re-exported


async def test_the_corpus_through_the_text_endpoint(
    llm_text_client: httpx.AsyncClient, llm_server: ScriptedLLMServer, auth: Any, demo: DemoIds
) -> None:
    runtime = llm_text_client.runtime  # type: ignore[attr-defined]
    headers = owner_headers(auth, demo, MAIN_TENANT)
    subjects = {}
    for rec_type in sorted({c.rec_type for c in CASES}):
        rec_id = demo.recommendation(MAIN_TENANT, rec_type)
        ctx = ToolContext(runtime=runtime, principal=Principal("corpus", MAIN_TENANT))
        subjects[rec_type] = (rec_id, subject_from_outputs(await load_tool_outputs(get_registry(), ctx, rec_id)))
    await runtime.redis.flushdb()
    outcomes: list[tuple[Case, bool]] = []
    for case in CASES:
        rec_id, subject = subjects[case.rec_type]
        try:
            text = case.build(subject)
        except SkipCase:
            continue
        title = "Рекомендация" if case.lang == "ru" else "Recommendation"
        prose = {"title": title, "summary": title, "details": text, "text": text}
        llm_server.default_reply = Reply(text=json.dumps(prose, ensure_ascii=False))
        await runtime.redis.flushdb()  # no cached text, fresh rate limits: each case is a first request
        r = await llm_text_client.post(URL, json={"recommendation_id": rec_id, "language": case.lang}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        kept_from_user = body["generator"] == "deterministic"
        if not kept_from_user:
            assert body["details"] == text and body["grounding"]["ok"] is True
        outcomes.append((case, kept_from_user))
    table, kept, rejected = rate_table(outcomes)  # "caught" = kept from the user, "flagged" = rejected
    print(json.dumps({"text_corpus": table}, ensure_ascii=False, indent=1))
    assert len(outcomes) >= 170
    assert kept >= 0.98 and rejected <= 0.02, table
