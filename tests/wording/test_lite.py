"""Markdown rewritten for the InfraZen client's renderer (bold and line breaks only)."""

from __future__ import annotations

import re

import pytest

from infrazen_agent.wording.lite import for_infrazen_client

CASES = [
    ("## Итог", "**Итог**"),
    ("# Title #", "**Title**"),
    ("_курсив_ и *italic* и __жирный__", "курсив и italic и **жирный**"),
    ("***важно***", "**важно**"),
    ("`code` and\n```python\n  block\n```", "code and\nblock"),
    ("- a\n  - b\n* c", "• a\n– b\n• c"),
    ("1. один\n2) два", "1. один\n2) два"),
    ("| A | B |\n|---|:-:|\n| 1 | 2 |\n| 3 |  |", "• A: 1; B: 2\n• A: 3"),
    ("[docs](https://x.ru) ![img](https://x.ru/a.png)", "docs (https://x.ru) img (https://x.ru/a.png)"),
    ("> quoted\n---\n~~old~~ new", "quoted\n\nold new"),
    ("web_01_a, snake_case_name, 5*3*2", "web_01_a, snake_case_name, 5*3*2"),
    ("**14 252,74 ₽/мес** сейчас", "**14 252,74 ₽/мес** сейчас"),
    ("| Итого | 1 000 ₽ |", "• Итого; 1 000 ₽"),  # a lone row is not lost
    ("| A | B |\n|---|---|", "• A; B"),  # a header with no body
    ("| A | B |\n|---|---|\n| 1 | 2 | 3 |", "• A: 1; B: 2; 3"),  # an extra cell is kept
    ("| A | B |\n|-|-|\n| `a|b` | x \\| y |", "• A: a/b; B: x / y"),  # pipes in code or escaped
]


@pytest.mark.parametrize(("markdown", "expected"), CASES)
def test_rewrites(markdown: str, expected: str) -> None:
    assert for_infrazen_client(markdown) == expected


NUMBER = re.compile(r"\d+(?:[ ,.]\d+)*")


def test_nothing_but_bold_survives_a_corpus_and_every_figure_does() -> None:
    corpus = "\n\n".join(m for m, _ in CASES if "snake" not in m and "5*3" not in m)
    out = for_infrazen_client(corpus)
    plain = out.replace("**", "")
    assert not re.search(r"(?m)^#|`|\||\]\(|^\s*[-*>] |(?<!\w)_\w|\w_(?!\w)|~~", plain), plain
    figures_in = [n for n in NUMBER.findall(corpus) if not re.fullmatch(r"\d\.?", n)]
    assert figures_in and all(n in out for n in figures_in), [n for n in figures_in if n not in out]
