"""A real tokenizer for tests (tiktoken's cl100k_base), offline: LiteLLM ships the encoding file,
found without importing LiteLLM (slow)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest


def cl100k() -> Any:
    tiktoken = pytest.importorskip("tiktoken")
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("litellm (which ships the encoding file) is not installed")
    cache = Path(spec.submodule_search_locations[0]) / "litellm_core_utils" / "tokenizers"
    old = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    try:
        return tiktoken.get_encoding("cl100k_base")
    finally:
        if old is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR")
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = old


def request_tokens(enc: Any, request: dict[str, Any]) -> dict[str, int]:
    """Tokens of a chat-completions request as a model is billed for it: each message's content
    (+4 for its framing, as OpenAI counts), and the tool schemas as the JSON the server receives."""
    parts = {"system": 0, "user": 0, "other": 0}
    for m in request["messages"]:
        content = m.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        key = m["role"] if m["role"] in parts else "other"
        parts[key] += len(enc.encode(text or "")) + 4
    tools = request.get("tools") or []
    parts["tools"] = len(enc.encode(json.dumps(tools, ensure_ascii=False, separators=(",", ":")))) if tools else 0
    parts["tool_count"] = len(tools)
    parts["total"] = parts["system"] + parts["user"] + parts["other"] + parts["tools"]
    return parts
