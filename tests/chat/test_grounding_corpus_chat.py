"""The adversarial corpus through the real recommendation chat over WebSocket: the scripted model
reads the effort and the plan through the tools, then answers with the case's text, and insists
on it when re-asked. A wrong figure must end in a final message that does not state it as fact
(marked, grounding not ok); a correct answer must come back unrevised. `-s` prints the rates."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from infrazen_agent.auth import Principal
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import get_registry
from infrazen_agent.tools.registry import ToolContext
from tests.agent.grounding_corpus import CASES, Case, SkipCase, load_tool_outputs, rate_table, subject_from_outputs
from tests.support.data_fixtures import MAIN_TENANT
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall

from .clients import Chat, of_type, top_recommendation

CASES_PER_USER = 12  # stays under the per-user tool and model rate limits
QUESTION = {"ru": "Расскажи про эту рекомендацию.", "en": "Tell me about this recommendation."}


async def test_the_corpus_over_websocket(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    runtime = Runtime(online_chat.settings)
    await runtime.ensure_started()
    subjects: dict[str, Any] = {}
    try:
        for rec_type in sorted({c.rec_type for c in CASES}):
            rec = top_recommendation(online_chat.settings, rec_type=rec_type)
            ctx = ToolContext(runtime=runtime, principal=Principal("corpus", MAIN_TENANT))
            outputs = await load_tool_outputs(get_registry(), ctx, int(rec["id"]))
            subjects[rec_type] = (int(rec["id"]), subject_from_outputs(outputs))
    finally:
        await runtime.stop()
    outcomes: list[tuple[Case, bool]] = []
    by_type: dict[str, list[Any]] = defaultdict(list)
    for case in CASES:
        by_type[case.rec_type].append(case)
    user_no = 0
    for rec_type, cases in by_type.items():
        rec_id, subject = subjects[rec_type]
        for start in range(0, len(cases), CASES_PER_USER):
            user_no += 1
            user = f"corpus-{user_no}"
            session = await online_chat.start(
                {"scope": "recommendation", "recommendation_id": rec_id}, user=user, tenant=MAIN_TENANT
            )
            async with online_chat.ws(session["session_id"], user=user, tenant=MAIN_TENANT) as ws:
                for case in cases[start : start + CASES_PER_USER]:
                    try:
                        text = case.build(subject)
                    except SkipCase:
                        continue
                    args = json.dumps({"recommendation_id": rec_id})
                    calls = [
                        ScriptedToolCall("estimate_migration_effort", args, id="c1"),
                        ScriptedToolCall("generate_step_plan", args, id="c2"),
                    ]
                    llm_server.script(Reply(tool_calls=calls), Reply(text=text, chunk_size=40))
                    llm_server.default_reply = Reply(text=text)  # the re-ask gets the same answer
                    events = await ws.ask(QUESTION[case.lang])
                    final = of_type(events, "message")[-1]
                    flagged = final["grounding"]["ok"] is False
                    assert flagged == final["revised"], final
                    if flagged:
                        assert "⚠" in final["content"]
                    outcomes.append((case, flagged))
    table, flagged_rate, false_rate = rate_table(outcomes)
    print(json.dumps({"chat_corpus": table}, ensure_ascii=False, indent=1))
    assert len(outcomes) >= 170
    assert flagged_rate >= 0.98 and false_rate <= 0.02, table
