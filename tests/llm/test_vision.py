"""Images from the object store become image parts, go to the vision model, and stay tenant-bound."""

from __future__ import annotations

import base64
import io
from collections.abc import Awaitable, Callable

import pytest
from PIL import Image

from infrazen_agent.auth import Principal
from infrazen_agent.errors import NotFound
from infrazen_agent.llm import CallMeta, Done, LLMGateway, has_images, image_part, user_message
from infrazen_agent.uploads import read_upload, store_upload
from tests.support.llm_server import Reply, ScriptedLLMServer

MakeGateway = Callable[..., Awaitable[LLMGateway]]


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (6, 3), (10, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


async def test_turn_with_an_image_goes_to_the_vision_model(
    make_gateway: MakeGateway, llm_server: ScriptedLLMServer
) -> None:
    gateway = await make_gateway()
    runtime = gateway.runtime
    alice = Principal(user_id="alice", tenant_id="tenant-a")
    data = png()
    record = await store_upload(runtime, alice, "bill.png", data)
    part = await image_part(runtime, alice, record.upload_id)
    _, stored = await read_upload(runtime, alice, record.upload_id)  # re-encoded: no metadata
    assert part == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(stored).decode()},
    }
    message = user_message("What is on this bill?", [part])
    assert has_images([message]) and not has_images([user_message("no image")])

    llm_server.script(Reply(text="A Selectel invoice."), Reply(text="plain text"))
    meta = CallMeta(tenant_id="tenant-a", user_id="alice", scenario="chat_analytics")
    done = [e async for e in gateway.stream([message], meta=meta)][-1]
    assert isinstance(done, Done) and done.model == "openai/scripted-vision"
    sent = llm_server.requests[0]["messages"][0]["content"]
    assert sent[0] == {"type": "text", "text": "What is on this bill?"}
    assert sent[1]["image_url"]["url"].startswith("data:image/png;base64,")
    text_done = await gateway.complete([user_message("and now?")], meta=meta)
    assert text_done.model == "openai/scripted-text"
    assert [b["model"] for b in llm_server.requests] == ["scripted-vision", "scripted-text"]

    # Another tenant cannot turn Alice's upload into an image part.
    with pytest.raises(NotFound):
        await image_part(runtime, Principal(user_id="alice", tenant_id="tenant-b"), record.upload_id)
