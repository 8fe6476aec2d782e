"""The offline answer to a guidance question: the best passages of a `search_knowledge` output,
each cited (title, kind, date, passage id) with its snippet, in the user's language. Snippets
are the approved text itself, so every figure in them is one of the passage's facts."""

from __future__ import annotations

import re
from typing import Any

from ..wording import Lang
from ..wording.messages import message

OFFLINE_PASSAGES = 3
_SPACE = re.compile(r"\s+")


def _one_line(text: str) -> str:
    """A snippet on one line: the InfraZen client shows line breaks, not markdown lists."""
    return _SPACE.sub(" ", text.replace("**", "")).strip()


def passage_lines(out: dict[str, Any], lang: Lang) -> list[str]:
    """Markdown lines for one `search_knowledge` output (at most OFFLINE_PASSAGES passages)."""
    lines = [message("knowledge.heading", lang)]
    passages = list(out.get("passages") or [])[:OFFLINE_PASSAGES]
    if not passages:
        return [*lines, message("knowledge.nothing", lang)]
    for p in passages:
        head = message(
            "knowledge.passage",
            lang,
            title=p.get("title", ""),
            kind=message(f"knowledge.kind.{p.get('source_kind', 'guide')}", lang),
            date=p.get("date") or message("knowledge.undated", lang),
            passage_id=p.get("passage_id", ""),
        )
        if p.get("language") and p["language"] != lang:
            head += f" — {message('knowledge.in_english' if p['language'] == 'en' else 'knowledge.in_russian', lang)}"
        lines += [f"- {head}", f"   {_one_line(str(p.get('snippet', '')))}"]
    return lines
