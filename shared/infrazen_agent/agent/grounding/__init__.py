"""The number checker: every figure in model-written text must trace to a typed fact.

`extract_claims` reads what a text states (claims.py), `facts_from_tool` what the tools said
(facts.py, declared in tools/facts.py), `trace` matches them by meaning (matching.py) and
`mark_untraced` makes what did not trace visible to the reader.
"""

from __future__ import annotations

from typing import Any

from .claims import Claim, extract_claims, has_digits
from .facts import Fact, facts_of
from .marking import mark_untraced
from .matching import FactIndex, Grounding, TracedClaim, trace

__all__ = [
    "Claim",
    "Fact",
    "FactIndex",
    "Grounding",
    "TracedClaim",
    "extract_claims",
    "facts_from_tool",
    "facts_of",
    "has_digits",
    "mark_untraced",
    "trace",
]


def facts_from_tool(name: str, data: Any) -> list[Fact]:
    """The typed facts a tool's output declares (unknown tools declare none)."""
    from ...tools.facts import facts_from_tool as read

    return read(name, data)
