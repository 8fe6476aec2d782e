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
]


@pytest.mark.parametrize(("markdown", "expected"), CASES)
def test_rewrites(markdown: str, expected: str) -> None:
    assert for_infrazen_client(markdown) == expected


def test_nothing_but_bold_survives_a_corpus() -> None:
    corpus = "\n\n".join(m for m, _ in CASES if "snake" not in m and "5*3" not in m)
    out = for_infrazen_client(corpus).replace("**", "")
    assert not re.search(r"(?m)^#|`|\||\]\(|^\s*[-*>] |(?<!\w)_\w|\w_(?!\w)|~~", out), out
