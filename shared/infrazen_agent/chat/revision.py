"""No untraced figure is presented as fact: a chat answer is checked after it streamed; one that
states figures no tool backs gets one corrective re-ask (when the model and the turn's budget
allow), and whatever still does not trace is visibly marked. The final `message` then carries the
corrected content with `revised: true`, and that is what the transcript keeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..agent.grounding import Fact, FactIndex, Grounding, extract_claims, mark_untraced, trace
from ..agent.loop import TOKEN_BUDGET, TurnState
from ..agent.prompt import DATA_NOTE, data_envelope, system_prompt
from ..context.packs import model_view
from ..errors import AgentError
from ..metrics import GROUNDING_CHECKS, GROUNDING_FLAGS
from ..wording.messages import message

log = logging.getLogger("infrazen_agent.chat")

REASK_TIMEOUT_S = 30.0
REASK_MAX_TOKENS = 1200
# A rewrite much shorter than the answer is not a rewrite ("ok"): keep the answer, marked.
MIN_REWRITE_SHARE = 0.3


@dataclass(frozen=True)
class Checked:
    content: str
    grounding: Grounding
    revised: bool = False


def _reask_messages(
    scope: str, lang: str, pack: dict[str, Any] | None, state: TurnState, answer: str, untraced: Sequence[str]
) -> list[dict[str, Any]]:
    data = {
        "context_pack": model_view(pack) if pack else None,
        "tool_outputs": [{"tool": t.name, "data": t.data} for t in state.tools if t.ok and t.data],
    }
    figures = ", ".join(dict.fromkeys(untraced))
    return [
        {"role": "system", "content": system_prompt(scope, lang) + "\n" + DATA_NOTE},
        {"role": "user", "content": data_envelope("data", data)},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": message("grounding.reask", lang, figures=figures)},
    ]


async def check_answer(
    answer: str,
    facts: Sequence[Fact] | Callable[[], Sequence[Fact]],
    *,
    lang: str,
    reask: Callable[[list[dict[str, Any]]], Awaitable[str]] | None = None,
    scope: str = "recommendation",
    pack: dict[str, Any] | None = None,
    state: TurnState | None = None,
) -> Checked:
    """The answer as the user may see it. `reask(messages) -> str` asks the model once more
    (None: no model for this turn, or not a complete answer). `facts` may be a function that
    collects them: it is called only for an answer that states a figure."""
    if not extract_claims(answer):  # nothing to trace: the facts are not even collected
        GROUNDING_CHECKS.labels("chat", "traced").inc()
        return Checked(answer, Grounding([]))
    idx = FactIndex(facts() if callable(facts) else facts)
    grounding = trace(answer, idx)
    if grounding.ok:
        GROUNDING_CHECKS.labels("chat", "traced").inc()
        return Checked(answer, grounding)
    best, best_g = answer, grounding
    used = (state.usage.prompt_tokens + state.usage.completion_tokens) if state else 0
    if reask is not None and used < TOKEN_BUDGET:
        untraced = [n.claim.text for n in grounding.untraced]
        messages = _reask_messages(scope, lang, pack, state or TurnState(), answer, untraced)
        try:
            rewrite = (await asyncio.wait_for(reask(messages), REASK_TIMEOUT_S) or "").strip()
        except (AgentError, TimeoutError) as exc:
            log.info("corrective re-ask skipped", extra={"reason": getattr(exc, "code", "timeout")})
            rewrite = ""
        if rewrite and len(rewrite) >= MIN_REWRITE_SHARE * len(answer):
            again = trace(rewrite, idx)
            if again.ok:
                GROUNDING_CHECKS.labels("chat", "revised").inc()
                return Checked(rewrite, again, revised=True)
            if len(again.untraced) <= len(grounding.untraced):
                best, best_g = rewrite, again
    marked = mark_untraced(best, best_g, lang)
    GROUNDING_CHECKS.labels("chat", "flagged").inc()
    GROUNDING_FLAGS.labels("chat").inc(len(best_g.untraced))
    return Checked(marked, trace(marked, idx), revised=True)
