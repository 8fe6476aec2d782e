"""Making untraced figures visible: what the checker could not back is never shown as fact."""

from __future__ import annotations

from ...wording.messages import message
from .matching import Grounding


def mark_untraced(text: str, grounding: Grounding, lang: str) -> str:
    """`text` with a marker after every untraced figure and a closing note; unchanged when all traced.
    The markers hold no digits, so checking the marked text again finds the same figures."""
    untraced = grounding.untraced
    if not untraced:
        return text
    mark = message("grounding.untraced_mark", lang)
    out: list[str] = []
    pos = 0
    for n in sorted(untraced, key=lambda n: n.claim.end):
        out.append(text[pos : n.claim.end])
        out.append(mark)
        pos = n.claim.end
    out.append(text[pos:])
    return "".join(out).rstrip() + "\n\n" + message("grounding.untraced_note", lang)
