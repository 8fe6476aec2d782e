"""Control characters refused, names made safe to print (unit level; the routes are tested in
tests/guard/test_admission.py and tests/text/test_safe_names.py)."""

from __future__ import annotations

import pytest

from infrazen_agent.guard.text import has_control_chars, safe_name, scrubbed


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "\x1b[31mred", "\x7f", "\u0085", {"k": ["ok", "x\x00"]}, {"\x00": 1}, [[["\x08"]]]],
)
def test_control_characters_are_found_anywhere(value: object) -> None:
    assert has_control_chars(value)
    assert not has_control_chars(scrubbed(value))


@pytest.mark.parametrize("value", ["Сервер web-01\tв\nстойке\r", {"a": [1, 2.5, None, True]}, "", 5])
def test_ordinary_text_passes(value: object) -> None:
    assert not has_control_chars(value)


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[нажми](javascript:alert(1))",
    "![x](https://evil.example/p.png)",
    "`rm -rf`",
    "**bold** | table",
    "JaVaScRiPt :alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "&lt;script&gt;",
    "name\x00with\x1bcontrols",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_lose_their_markup(name: str) -> None:
    safe = safe_name(name)
    for raw in ("<", ">", "](", "`", "**", "|", "&lt;"):
        assert raw not in safe
    assert "javascript:" not in safe.lower().replace(" ", "") and "data:" not in safe.lower()
    assert not has_control_chars(safe)


def test_ordinary_names_are_kept() -> None:
    for name in ("web-01", "db_main_2", "Кластер PostgreSQL (prod)", "s3://bucket/key", "ru-9a"):
        assert safe_name(name) == name
