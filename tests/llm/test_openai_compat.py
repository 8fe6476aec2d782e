"""The direct OpenAI-compatible client's SSE decoding (the gateway tests drive it over real HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infrazen_agent.llm.openai_compat import SSEDecoder, UpstreamError


def chunk(text: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}).encode()


def texts(chunks: list[dict[str, Any]]) -> list[str]:
    return [c["choices"][0]["delta"]["content"] for c in chunks]


def test_events_split_across_reads_come_out_whole_and_in_order() -> None:
    raw = b"data: " + chunk("При") + b"\n\ndata: " + chunk("вет") + b"\n\ndata: [DONE]\n\n"
    decoder, out = SSEDecoder(), []
    for i in range(0, len(raw), 7):  # 7-byte reads cut through JSON and UTF-8 sequences alike
        out += list(decoder.feed(raw[i : i + 7]))
    assert texts(out) == ["При", "вет"] and decoder.done


def test_crlf_comments_multiline_data_and_no_space_after_colon() -> None:
    part = json.dumps({"choices": [{"index": 0, "delta": {"content": "a"}}]})
    head, tail = part[:10], part[10:]
    raw = (
        b": OPENROUTER PROCESSING\r\n\r\n"
        + b"data:"
        + chunk("x")
        + b"\r\n\r\n"
        + f"data: {head}\ndata: {tail}\n\n".encode()  # one event, data over two lines
        + b"event: ping\n\n"
    )
    decoder = SSEDecoder()
    out = list(decoder.feed(raw))
    assert len(out) == 2 and texts(out[:1]) == ["x"]
    assert json.loads(head + "\n" + tail) == out[1]
    assert not decoder.done


def test_an_unfinished_event_waits_for_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert list(decoder.feed(b"data: " + chunk("a"))) == []
    assert texts(list(decoder.feed(b"\n\n"))) == ["a"]


def test_chunks_before_an_error_are_delivered_then_it_raises() -> None:
    raw = b"data: " + chunk("a") + b'\n\ndata: {"error": "boom"}\n\ndata: ' + chunk("never") + b"\n\n"
    got = SSEDecoder().feed(raw)
    assert texts([next(got)]) == ["a"]
    with pytest.raises(UpstreamError, match="boom"):
        next(got)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'data: {"error": {"message": "overloaded", "code": 529}}\n\n', "overloaded"),
        (b"data: {not json\n\n", "not JSON"),
        (b"data: [1, 2]\n\n", "unexpected"),
    ],
)
def test_errors_inside_the_stream_raise(raw: bytes, message: str) -> None:
    with pytest.raises(UpstreamError, match=message) as info:
        list(SSEDecoder().feed(raw))
    if b"529" in raw:
        assert info.value.status_code == 529


def test_a_crlf_split_between_reads_is_not_a_blank_line() -> None:
    raw = b'data: {"choices":\r\ndata: []}\r\n\r\n'
    cut = raw.index(b"\r") + 1  # the read ends between \r and \n
    decoder = SSEDecoder()
    out = [*decoder.feed(raw[:cut]), *decoder.feed(raw[cut:])]
    assert out == [{"choices": []}]


def test_the_end_of_the_body_is_not_thrown_away() -> None:
    unterminated = SSEDecoder()
    assert list(unterminated.feed(b"data: " + chunk("last"))) == []
    assert texts([unterminated.leftover()]) == ["last"]  # type: ignore[list-item]
    plain_error = SSEDecoder()  # a proxy answering 200 with a JSON error body, no SSE framing
    assert list(plain_error.feed(b'{"error": {"message": "quota exceeded"}}')) == []
    with pytest.raises(UpstreamError, match="quota exceeded"):
        plain_error.leftover()
    assert SSEDecoder().leftover() is None
