"""The existing InfraZen browser client's protocol, unchanged: its own tokens, `system` on connect,
history replay as `user`/`assistant`, `typing`, one final `assistant`, `[image:<id>]`, 1008."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime
from typing import Any

import jwt
import pytest
import redis
import websockets

from infrazen_agent.chat.hot_state import QUEUE_MAX
from tests.conftest import TEST_SECRET
from tests.support.llm_server import Reply, ScriptedLLMServer

from .clients import Chat, query, top_recommendation


def infrazen_token(user_id: int | str, **claims: Any) -> str:
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


REFUSALS = ["garbage", "wrong_secret", "expired", "no_user", "other_rec", "other_tenant", "analytics_token", "origin"]


@pytest.mark.parametrize("case", REFUSALS)
async def test_refused_at_the_handshake_with_the_reason_logged(
    offline_chat: Chat, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    """HTTP 403 before the socket opens (the client counts it against its 5 tries; a socket that
    opens and then closes restarts its count for ever), and the service says why."""
    rec = top_recommendation(offline_chat.settings)
    foreign = top_recommendation(offline_chat.settings, tenant="globex")
    now = int(time.time())
    token, rec_id = {
        "garbage": ("garbage", rec["id"]),
        "wrong_secret": (
            jwt.encode({"user_id": 1001, "recommendation_id": rec["id"], "exp": now + 60}, "x" * 40, algorithm="HS256"),
            rec["id"],
        ),
        "expired": (infrazen_token(1001, recommendation_id=rec["id"], exp=now - 3600), rec["id"]),
        "no_user": (infrazen_token("", recommendation_id=rec["id"]), rec["id"]),
        "other_rec": (infrazen_token(1001, recommendation_id=rec["id"] + 1), rec["id"]),
        "other_tenant": (infrazen_token(1001, recommendation_id=foreign["id"]), foreign["id"]),
        "analytics_token": (infrazen_token(1001, scenario="analytics"), rec["id"]),
        "origin": (infrazen_token(1001, recommendation_id=rec["id"]), rec["id"]),
    }[case]
    headers = {"Origin": "https://evil.example"} if case == "origin" else {}
    url = f"{offline_chat.server.ws_url}/v1/chat/rec/{rec_id}?token={token}"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers=headers):
            pass
    assert refused.value.response.status_code == 403
    reasons = [r for r in caplog.records if r.getMessage() == "infrazen chat refused"]
    expected = {
        "garbage": "malformed token",
        "wrong_secret": "signature not valid",
        "expired": "expired",
        "no_user": "no user",
        "other_rec": "another chat",
        "other_tenant": "not found",
        "analytics_token": "another chat",
        "origin": "origin",
    }[case]
    assert reasons and expected in getattr(reasons[-1], "reason", ""), [getattr(r, "reason", "") for r in reasons]


async def test_the_origin_rule_lets_the_page_and_configured_origins_in(settings: Any) -> None:
    from .clients import running_chat

    allowed = settings.model_copy(update={"agent_cors_origins": ["https://app.infrazen.ru"]})
    with running_chat(allowed) as chat:
        token = infrazen_token(1001, scenario="analytics")
        url = f"{chat.server.ws_url}/v1/chat/analytics?token={token}"
        for origin in ("https://app.infrazen.ru", chat.server.url):
            async with websockets.connect(url, additional_headers={"Origin": origin}) as conn:
                assert json.loads(await conn.recv())["type"] == "system"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url, additional_headers={"Origin": "https://app.infrazen.ru.evil.example"}):
                pass


async def test_replayed_history_keeps_the_original_timestamps(offline_chat: Chat) -> None:
    token = infrazen_token(1001, scenario="analytics")
    url = f"{offline_chat.server.ws_url}/v1/chat/analytics?token={token}"
    async with websockets.connect(url) as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Какие тренды?"}))
        await _frames(conn, "assistant")
    time.sleep(1.5)
    reconnected = time.time()
    async with websockets.connect(url) as conn:
        system = json.loads(await conn.recv())
        replay = [json.loads(await conn.recv()) for _ in range(2)]
    stored = query(offline_chat.settings, "SELECT role, created_at FROM chat_messages ORDER BY created_at")
    assert [f["type"] for f in replay] == ["user", "assistant"]
    for frame, row in zip(replay, stored, strict=True):
        stamp = datetime.fromisoformat(frame["timestamp"])
        assert stamp == row["created_at"]
        assert stamp.timestamp() < reconnected - 1  # not "только что"
    assert datetime.fromisoformat(system["timestamp"]).timestamp() >= reconnected - 0.5


async def test_questions_sent_during_an_answer_are_answered_in_order_and_errors_are_russian(
    online_chat: Chat, llm_server: ScriptedLLMServer
) -> None:
    token = infrazen_token(1001, scenario="analytics")
    llm_server.script(
        Reply(text="Первый ответ готов.", delay_first_token_s=1.5),
        Reply(text="Второй ответ готов."),
        *[Reply(text="Ещё ответ.") for _ in range(QUEUE_MAX)],
    )
    async with websockets.connect(f"{online_chat.server.ws_url}/v1/chat/analytics?token={token}") as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Какие тренды?"}))
        await conn.send(json.dumps({"content": "И ещё вопрос?"}))
        await conn.send(json.dumps({"content": "[image:../../etc/passwd] Что на скриншоте?"}))
        for i in range(QUEUE_MAX):  # the queue fills up behind the first answer: the last one is refused
            await conn.send(json.dumps({"content": f"Вопрос номер {i}?"}))
        frames: list[dict[str, Any]] = []
        while sum(f["type"] == "assistant" and not f.get("error") for f in frames) < 2:
            frames.append(json.loads(await asyncio.wait_for(conn.recv(), 10)))
    errors = [f["content"] for f in frames if f.get("error")]
    assert len(errors) == 2, frames
    assert all(re.search("[а-яё]", e) and not re.search(r"\b(?:another|upload|not found)\b", e) for e in errors)
    assert any("В очереди этого чата уже 10 вопросов" in e for e in errors)
    assert any("Изображение не найдено" in e for e in errors)
    answers = [f["content"] for f in frames if f["type"] == "assistant" and not f.get("error")]
    assert answers[:2] == ["Первый ответ готов.", "Второй ответ готов."]


MARKDOWN = """## Что сделать

Перенос даст _примерно_ **14 252,74 ₽/мес**, см. `web-01`.

- Шаг первый
  - вложенный пункт
1. Проверить

| Провайдер | Цена |
|---|---:|
| Selectel | 1 000 ₽ |

> важно
---
[Документация](https://docs.example.ru)"""


async def test_answers_are_rendered_for_the_clients_renderer(online_chat: Chat, llm_server: ScriptedLLMServer) -> None:
    token = infrazen_token(1001, scenario="analytics")
    llm_server.script(Reply(text=MARKDOWN))
    url = f"{online_chat.server.ws_url}/v1/chat/analytics?token={token}"
    async with websockets.connect(url) as conn:
        await conn.recv()
        await conn.send(json.dumps({"content": "Что сделать?"}))
        live = (await _frames(conn, "assistant"))[-1]["content"]
    async with websockets.connect(url) as conn:
        replayed = [json.loads(await conn.recv()) for _ in range(3)][-1]["content"]
    for content in (live, replayed):
        without_bold = content.replace("**", "")
        assert not re.search(r"(?m)^#|\||`|(?<!\w)_\w|^\s*[-*>] |---|\]\(", without_bold), content
        assert "**Что сделать**" in content and "**14 252,74 ₽/мес**" in content
        assert "Провайдер: Selectel; Цена: 1 000 ₽" in content and "Документация (https://docs.example.ru)" in content


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
