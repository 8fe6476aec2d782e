"""The existing InfraZen browser client's protocol, unchanged: its own tokens, `system` on connect,
history replay as `user`/`assistant`, `typing`, one final `assistant`, `[image:<id>]`, 1008."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
import redis
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import TEST_SECRET
from tests.support.llm_server import Reply, ScriptedLLMServer

from .clients import Chat, query, top_recommendation


def infrazen_token(user_id: int, **claims: Any) -> str:
    """Minted like the Flask app does: no aud/iss/roles."""
    now = int(time.time())
    return jwt.encode({"user_id": user_id, "iat": now, "exp": now + 86400, **claims}, TEST_SECRET, algorithm="HS256")


async def _frames(conn: Any, until: str, limit: int = 50) -> list[dict[str, Any]]:
    frames = []
    for _ in range(limit):
        frame = json.loads(await conn.recv())
        assert "timestamp" in frame
        frames.append(frame)
        if frame["type"] == until:
            return frames
    raise AssertionError(f"no {until} frame in {frames}")


async def test_recommendation_chat_like_the_infrazen_page(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    rec = top_recommendation(online_chat.settings)
    token = infrazen_token(1001, scenario="recommendation", recommendation_id=rec["id"])
    url = f"{online_chat.server.ws_url}/v1/chat/rec/{rec['id']}?token={token}"
    llm_server.script(Reply(text="**Экономия** есть: 1. перенести, 2. проверить."))
    async with websockets.connect(url) as conn:
        system = json.loads(await conn.recv())
        assert system["type"] == "system" and "рекомендац" in system["content"]
        await conn.send(json.dumps({"hello": "no content: ignored"}))
        await conn.send(json.dumps({"content": "Сколько сэкономим?"}))
        frames = await _frames(conn, "assistant")
    assert [f["type"] for f in frames] == ["typing", "assistant"]
    assert frames[-1]["content"] == "**Экономия** есть: 1. перенести, 2. проверить."
    assert frames[-1]["mode"] == "online"
    # Reconnect (the page retries with a fresh token): same session, history replayed.
    async with websockets.connect(url) as conn:
        replay = [json.loads(await conn.recv()) for _ in range(3)]
    assert [(f["type"], f["content"]) for f in replay[1:]] == [
        ("user", "Сколько сэкономим?"),
        ("assistant", "**Экономия** есть: 1. перенести, 2. проверить."),
    ]


async def test_analytics_chat_offline_with_an_inline_image(offline_chat: Chat) -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="PNG")
    token = infrazen_token(1001, scenario="analytics", context={"time_range_days": 7})
    async with offline_chat.http() as c:
        up = await c.post(
            "/v1/chat/upload",
            files={"file": ("s.png", buf.getvalue(), "image/png")},
            headers={"Authorization": f"Bearer {token}"},
        )
    image_id = up.json()["image_id"]
    async with websockets.connect(f"{offline_chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        system = json.loads(await conn.recv())
        assert "Офлайн" in system["content"]
        await conn.send(json.dumps({"content": f"[image:{image_id}] Какие аномалии?"}))
        frames = await _frames(conn, "assistant")
    answer = frames[-1]
    assert answer["mode"] == "offline" and "изображение" in answer["content"].lower()
    assert "Аномалии" in answer["content"]


@pytest.mark.parametrize("case", ["bad", "other_rec", "other_tenant"])
async def test_refusals_close_with_1008(offline_chat: Chat, case: str) -> None:
    rec = top_recommendation(offline_chat.settings)
    foreign = top_recommendation(offline_chat.settings, tenant="globex")
    token, rec_id = {
        "bad": ("garbage", rec["id"]),
        "other_rec": (infrazen_token(1001, recommendation_id=rec["id"] + 1), rec["id"]),
        "other_tenant": (infrazen_token(1001, recommendation_id=foreign["id"]), foreign["id"]),
    }[case]
    async with websockets.connect(f"{offline_chat.server.ws_url}/v1/chat/rec/{rec_id}?token={token}") as conn:
        with pytest.raises(ConnectionClosed) as info:
            await conn.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008


async def test_an_expired_legacy_session_is_revived_on_reconnect(offline_chat: Chat) -> None:
    token = infrazen_token(1001, scenario="analytics", context={"time_range_days": 30})
    url = f"{offline_chat.server.ws_url}/v1/chat/analytics?token={token}"
    async with websockets.connect(url) as conn:
        await conn.recv()  # system
    # A day later: the stored session and its cached copy have expired.
    query(offline_chat.settings, "UPDATE chat_sessions SET expires_at = now() - interval '1 hour' RETURNING id")
    redis_client = redis.Redis.from_url(offline_chat.settings.redis_url)
    for key in redis_client.scan_iter("chat:s:*:meta"):
        redis_client.delete(key)
    async with websockets.connect(url) as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Какие тренды?"}))
        frames = await _frames(conn, "assistant")
    assert "expired" not in frames[-1]["content"] and frames[-1]["content"]


async def test_a_binary_auth_frame_closes_with_1008(offline_chat: Chat) -> None:
    started = await offline_chat.start({"scope": "analytics"})
    async with websockets.connect(f"{offline_chat.server.ws_url}/v1/chat/ws?session={started['session_id']}") as conn:
        await conn.send(b"\x00\x01binary")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await conn.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
