"""The event model: client frames are validated strictly, server events serialize once and say
whether they end a turn."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from infrazen_agent.agent.events import (
    CLIENT_FRAME,
    ClientCancel,
    ClientMessage,
    Delta,
    Envelope,
    ErrorEvent,
    Message,
    Usage,
)


def test_client_frames() -> None:
    msg = CLIENT_FRAME.validate_json(
        '{"type":"message","content":" hi ","attachments":["up_x"],"client_message_id":"m-1","extra":1}'
    )
    assert isinstance(msg, ClientMessage) and msg.content == "hi" and msg.attachments == ["up_x"]
    assert isinstance(CLIENT_FRAME.validate_json('{"type":"cancel"}'), ClientCancel)
    for bad in (
        '{"type":"message","client_message_id":"has space"}',
        '{"type":"unknown"}',
        '{"content":"x"}',
        '{"type":"message","attachments":["a","b","c","d","e"]}',
        "[]",
    ):
        with pytest.raises(ValidationError):
            CLIENT_FRAME.validate_json(bad)


def test_envelopes_know_terminal_events() -> None:
    delta = Envelope.of(Delta(turn_id="t", text="x"))
    final = Envelope.of(
        Message(turn_id="t", message_id="m", content="x", usage=Usage(), model="m", mode="online", grounding={})
    )
    assert not delta.terminal and final.terminal
    assert Envelope.of(ErrorEvent(turn_id="t", code="c", message="m")).terminal
    assert not Envelope.of(ErrorEvent(code="c", message="m")).terminal  # about a frame, not a turn
    assert json.loads(delta.json) == {"type": "delta", "turn_id": "t", "text": "x"}
    assert delta.sse() == 'event: delta\ndata: {"type":"delta","turn_id":"t","text":"x"}\n\n'
