"""The one catalogue: every sentence in both languages, with the same placeholders in each (a
placeholder only one language fills would print as a KeyError or lose a figure in the other)."""

from __future__ import annotations

import string

from infrazen_agent.wording.messages import MESSAGES, message
from infrazen_agent.wording.tool_line_messages import TOOL_LINE_MESSAGES


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_sentence_has_both_languages_and_the_same_placeholders() -> None:
    uneven = {
        key: (sorted(_placeholders(v["ru"])), sorted(_placeholders(v["en"])))
        for key, v in MESSAGES.items()
        if _placeholders(v["ru"]) != _placeholders(v["en"])
    }
    empty = [key for key, v in MESSAGES.items() if set(v) != {"ru", "en"} or not (v["ru"].strip() and v["en"].strip())]
    assert not uneven and not empty


def test_the_tool_lines_sentences_are_in_the_catalogue_and_fill_in_both_languages() -> None:
    assert TOOL_LINE_MESSAGES and TOOL_LINE_MESSAGES.items() <= MESSAGES.items()
    for key, v in TOOL_LINE_MESSAGES.items():
        values = {name: f"<{name}>" for name in _placeholders(v["ru"])}
        for lang in ("ru", "en"):
            text = message(key, lang, **values)
            assert "{" not in text and all(f"<{name}>" in text for name in values), (key, lang)
