"""Text hygiene: control characters refused at the door (Postgres cannot store NUL; the others
hide text from people and reach models unseen), and names from tenant data made safe to print
inside markdown or HTML that some client will render."""

from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidInput

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(value: Any, _depth: int = 0) -> bool:
    """In a string, or anywhere in a JSON-like value (keys included)."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if _depth > 32:
        return False  # the JSON parser's own depth limit applies first
    if isinstance(value, dict):
        return any(has_control_chars(k, _depth + 1) or has_control_chars(v, _depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_control_chars(v, _depth + 1) for v in value)
    return False


def refuse_control_chars(value: Any, where: str) -> None:
    if has_control_chars(value):
        raise InvalidInput(f"{where}: control characters (such as NUL) are not allowed")


def strip_control_chars(text: str) -> str:
    return _CONTROL.sub("", text)


def scrubbed(value: Any) -> Any:
    """A JSON-like value with the control characters taken out of every string (for audit rows:
    what was refused is still recorded, in a form Postgres stores)."""
    if isinstance(value, str):
        return strip_control_chars(value)
    if isinstance(value, dict):
        return {scrubbed(k): scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(v) for v in value]
    return value


# What a renderer could take for markup in a name: HTML tags and entities, markdown links, images,
# emphasis and code, and link schemes that run code.
_MARKUP = str.maketrans({"<": "‹", ">": "›", "`": "'", "[": "(", "]": ")", "*": "∗", "|": "¦"})
_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file)\s*:")


def safe_name(name: str, limit: int = 200) -> str:
    """A resource, service or provider name as plain text wherever it is printed: no markup, no
    control characters, no script links, bounded length."""
    text = strip_control_chars(name).translate(_MARKUP)
    text = _SCHEME.sub(lambda m: m.group(1) + "\u2060:", text)  # a word joiner breaks the scheme
    text = text.replace("&", "＆") if re.search(r"&#?\w+;", text) else text
    return text[:limit]
