"""The benches' lean model server answers what the tests' Starlette server answers, event for event
(bench/model_server.py), so that a bench run with either measures the same conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.chat_bench import RemoteLLM
from tests.support.llm_server import Reply

TEXT = "Переезд окупится быстро, риск умеренный."


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RemoteLLM]]:
    log = (Path(tmp_path_factory.mktemp("model-servers")) / "log").open("wb")
    started: dict[str, RemoteLLM] = {}
    try:
        for name, lean in (("lean", True), ("starlette", False)):
            llm = started[name] = RemoteLLM(log, lean=lean)
            llm.set_default(Reply(text=TEXT, chunk_size=7, delay_first_token_s=0.05))
            llm.tool_round("estimate_migration_effort", {"recommendation_id": 42}, delay_s=0.05)
        yield started
    finally:
        for llm in started.values():
            llm.stop()
        log.close()


def _events(llm: RemoteLLM, messages: list[dict[str, Any]], stream: bool = True) -> tuple[str, list[Any]]:
    body = {"model": "scripted", "messages": messages, "stream": stream, "stream_options": {"include_usage": True}}
    with httpx.Client(timeout=10) as client, client.stream("POST", f"{llm.url}/chat/completions", json=body) as r:
        assert r.status_code == 200
        raw = r.read().decode()
        kind = r.headers["content-type"]
    if not stream:
        return kind, [_stable(json.loads(raw))]
    assert raw.endswith("data: [DONE]\n\n")
    events = [e.removeprefix("data: ") for e in raw.split("\n\n") if e]
    return kind, [_stable(json.loads(e)) if e != "[DONE]" else e for e in events]


def _stable(payload: Any) -> Any:
    """The payload without what is random per answer (ids, the clock)."""
    if isinstance(payload, dict):
        return {k: _stable(v) for k, v in payload.items() if k not in ("id", "created")}
    if isinstance(payload, list):
        return [_stable(v) for v in payload]
    return payload


ASK = [{"role": "user", "content": "[bench:k1] Во что обойдётся переезд?"}]
AFTER_TOOL = [
    *ASK,
    {"role": "assistant", "content": None, "tool_calls": []},
    {"role": "tool", "tool_call_id": "c1", "content": "[bench:k1] {}"},  # the marker is read in the last message
]


@pytest.mark.parametrize("messages", [ASK, AFTER_TOOL], ids=["tool_call", "answer"])
def test_both_servers_stream_the_same_events(servers: dict[str, RemoteLLM], messages: list[dict[str, Any]]) -> None:
    lean_kind, lean = _events(servers["lean"], messages)
    star_kind, star = _events(servers["starlette"], messages)
    assert lean_kind.startswith("text/event-stream") and star_kind.startswith("text/event-stream")
    assert lean == star
    assert len(lean) > 4  # streamed in pieces, not as one event


def test_both_servers_answer_the_same_without_streaming(servers: dict[str, RemoteLLM]) -> None:
    assert (
        _events(servers["lean"], AFTER_TOOL, stream=False)[1]
        == _events(servers["starlette"], AFTER_TOOL, stream=False)[1]
    )


def test_both_servers_stamp_the_pieces_sent_and_their_own_lateness(servers: dict[str, RemoteLLM]) -> None:
    for llm in servers.values():
        llm.late()
        _events(llm, AFTER_TOOL)
        pieces = llm.sent()["k1"]
        assert pieces[-1][0] >= len(TEXT)  # every character stamped under the bench's key
        late = llm.late()
        assert len(late) == 1 and -5 < late[0] < 1000  # one streamed answer, after its 50 ms delay
        assert llm.late() == []  # taken once


def test_the_lean_server_keeps_the_connection_and_refuses_unknown_paths(servers: dict[str, RemoteLLM]) -> None:
    with httpx.Client(timeout=10) as client:
        for _ in range(3):  # one connection, several requests
            assert client.get(f"{servers['lean'].url}/models").json() == {"object": "list", "data": []}
        missing = client.get(f"{servers['lean'].base}/nowhere")
    assert missing.status_code == 404 and "error" in missing.json()
