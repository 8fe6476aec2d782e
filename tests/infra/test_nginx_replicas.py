"""Phase 1 for real: Debian's nginx with infra/nginx/infrazen-agent.conf (only its ports changed)
in front of three `infrazen-agent serve` replicas that share one Postgres, one Redis and one
object-store folder, and a scripted model server speaking the real streaming protocol.

Proven through nginx: HTTP (health, readiness, an upload, the JSON 413 past the body limit, the
request id), the WebSocket upgrade at the ws_url the agent hands out under /agent/, and SSE that
arrives as it is written (not buffered). Then the replica running a turn is killed (SIGKILL)
mid-answer: the client reconnects through nginx to another replica, the session goes on, no
user message is lost, the interrupted turn is reported to the client (`turn_interrupted`) and
stored as failed with nothing of its half answer. The figures are printed.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from PIL import Image
from starlette.requests import Request
from starlette.responses import Response

from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from tests.support.llm_server import Reply, ScriptedLLMServer
from tests.support.nginx import running_nginx, site_for
from tests.support.replicas import Replica, running_replicas
from tests.support.servers import free_port
from tests.support.service_process import SECRET

pytestmark = pytest.mark.slow

SLOW = Reply(
    text="Расходы растут неравномерно, и вот что видно по сервисам и провайдерам. " * 4,
    chunk_size=6,
    delay_between_chunks_s=0.1,
)  # ~50 pieces over ~5 s: long enough to be killed mid-way
STREAMED = Reply(text="Короткий потоковый ответ без цифр, по кусочку. " * 2, chunk_size=4, delay_between_chunks_s=0.05)
QUICK = Reply(text="Готово: тренды спокойные.")


class _Model(ScriptedLLMServer):
    """Answers by the question ("(медленно)" slow, "(поток)" streamed, else quick) whatever
    replica asks and in whatever order, and keeps each request's X-Request-Id."""

    def __init__(self) -> None:
        super().__init__()
        self.request_ids: list[str | None] = []

    def _reply_for(self, body: dict[str, Any]) -> Reply:
        last = json.dumps(body["messages"][-1], ensure_ascii=False)
        return SLOW if "(медленно)" in last else STREAMED if "(поток)" in last else QUICK

    async def _completions(self, request: Request) -> Response:
        self.request_ids.append(request.headers.get("x-request-id"))
        return await super()._completions(request)


def _token(user: str = "1001", tenant: str = "1001") -> str:
    settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]
    return mint_token(settings, user=user, tenant=tenant, roles=["analyst"])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def _until(ws: Any, predicate: Any, timeout: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await ws.recv())
            seen.append(event)
            if predicate(event):
                return event, seen


def test_three_replicas_behind_nginx_survive_a_killed_replica(
    seeded_db: str, redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _Model().start()
    nginx_port = free_port()
    public = f"http://127.0.0.1:{nginx_port}/agent"
    env = {
        "DATABASE_URL": seeded_db,
        "REDIS_URL": redis_url,
        "AGENT_PUBLIC_URL": public,
        "LLM_OFFLINE": "false",
        "LLM_API_BASE": model.url,
        "LLM_API_KEY": "test",
        "LLM_MODEL_TEXT": "openai/scripted-text",
        "LLM_MODEL_VISION": "openai/scripted-vision",
        "LLM_FALLBACK_MODELS": "",
        "LLM_TIMEOUT_S": "30",
        "LLM_FIRST_TOKEN_TIMEOUT_S": "10",
        "TENANT_DAILY_BUDGET_USD": "0",
    }
    try:
        t0 = time.monotonic()
        with running_replicas(tmp_path / "data", 3, **env) as replicas:
            started_s = time.monotonic() - t0
            site = site_for(nginx_port, [r.port for r in replicas])
            with running_nginx(site):
                figures = asyncio.run(_scenario(public, replicas, model))
            logs = {r.port: r.log_lines() for r in replicas}
    finally:
        model.stop()
    figures["replicas_ready_s"] = round(started_s, 2)
    _check_logs(logs, figures)
    with capsys.disabled():
        print("\nnginx + 3 replicas:", json.dumps(figures, ensure_ascii=False))


async def _scenario(public: str, replicas: list[Replica], model: _Model) -> dict[str, Any]:
    token = _token()
    auth = {"Authorization": f"Bearer {token}"}
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=public, timeout=30) as http:
        # --- HTTP through nginx
        for _ in range(6):
            health = await http.get("/v1/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"
        ready = await http.get("/v1/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
        assert re.fullmatch(r"[0-9a-f]{32}", ready.headers["x-request-id"]), "nginx's $request_id is kept"
        assert (await http.get("/metrics")).status_code == 404, "metrics are not published by the site"
        upload = await http.post("/v1/upload", files={"file": ("shot.png", _png(), "image/png")}, headers=auth)
        assert upload.status_code == 201, upload.text
        too_big = await http.post("/v1/chat/start", content=b"x" * (2 * 1024 * 1024), headers=auth)
        assert too_big.status_code == 413, (too_big.headers, too_big.text[:300])
        assert too_big.json()["error"]["code"] == "payload_too_large"

        started = await http.post("/v1/chat/start", json={"scope": "analytics"}, headers=auth)
        assert started.status_code == 201, started.text
        session = started.json()
        figures["start_request_id"] = started.headers["x-request-id"]
        assert session["ws_url"].startswith(f"ws{public[4:]}/v1/chat/ws?session="), session["ws_url"]
        assert session["stream_url"].startswith(f"{public}/v1/chat/sessions/"), session["stream_url"]
        ws_url = f"{session['ws_url']}&token={token}"

        # --- WebSocket through nginx: a turn, then the replica running the next one is killed
        async with websockets.connect(ws_url, max_size=None) as ws:
            hello = json.loads(await ws.recv())
            assert hello["type"] == "ready" and hello["session_id"] == session["session_id"]
            ws_request_id = ws.response.headers["x-request-id"]
            await ws.send(json.dumps({"type": "message", "content": "Какие тренды?", "client_message_id": "m0"}))
            done, _ = await _until(ws, lambda e: e["type"] in ("message", "error") and e.get("turn_id"), 30)
            assert done["type"] == "message" and done["status"] == "complete", done
            serving = [r for r in replicas if r.metric("agent_ws_connections", protocol="agent") == 1]
            assert len(serving) == 1, [r.metric("agent_ws_connections", protocol="agent") for r in replicas]
            victim = serving[0]

            await ws.send(
                json.dumps({"type": "message", "content": "(медленно) расскажи подробнее", "client_message_id": "m1"})
            )
            turn_started, _ = await _until(ws, lambda e: e["type"] == "turn_started", 15)
            killed_turn = turn_started["turn_id"]
            _, seen = await _until(ws, lambda e: e["type"] == "delta", 15)  # the answer is streaming
            victim.kill()
            t_kill = time.monotonic()
            with pytest.raises(websockets.ConnectionClosed):
                await _until(ws, lambda e: e["type"] in ("message", "error") and e.get("turn_id") == killed_turn, 15)
        figures["ws_closed_after_kill_s"] = round(time.monotonic() - t_kill, 3)

        # --- reconnect through nginx: another replica, the same session
        attempts = 0
        while True:
            attempts += 1
            try:
                ws = await websockets.connect(ws_url, max_size=None)
                break
            except (OSError, websockets.InvalidStatus):
                assert time.monotonic() - t_kill < 15, "no replica took the reconnection"
                await asyncio.sleep(0.05)
        try:
            hello = json.loads(await ws.recv())
            figures["reconnect_s"] = round(time.monotonic() - t_kill, 3)
            figures["reconnect_attempts"] = attempts
            assert hello["type"] == "ready" and hello["session_id"] == session["session_id"]
            users = [m for m in hello["history"] if m["role"] == "user"]
            assert [m["client_message_id"] for m in users] == ["m0", "m1"], "no message lost"
            assert hello["turn_in_progress"] in (killed_turn, None)
            if hello["turn_in_progress"] is None:  # its heartbeat had already expired: reported in the history
                marker = next(m for m in hello["history"] if m["role"] == "assistant" and m["turn_id"] == killed_turn)
                assert marker["error"]["code"] == "turn_interrupted"
            interrupted, _ = await _until(ws, lambda e: e["type"] == "error" and e.get("turn_id") == killed_turn, 30)
            figures["interrupted_reported_s"] = round(time.monotonic() - t_kill, 3)
            assert interrupted["code"] == "turn_interrupted" and interrupted["retryable"] is True

            await ws.send(json.dumps({"type": "message", "content": "Какие тренды теперь?", "client_message_id": "m2"}))
            after, _ = await _until(ws, lambda e: e["type"] in ("message", "error") and e.get("turn_id"), 30)
            assert after["type"] == "message" and after["status"] == "complete", after
        finally:
            await ws.close()

        # --- SSE through nginx: events arrive as they are written
        arrivals: list[tuple[float, dict[str, Any]]] = []
        t_sse = time.monotonic()
        headers = {**auth, "Accept": "text/event-stream"}
        body = {"content": "(поток) и ещё", "client_message_id": "m3"}
        async with http.stream(
            "POST", f"/v1/chat/sessions/{session['session_id']}/messages", json=body, headers=headers
        ) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    arrivals.append((time.monotonic() - t_sse, json.loads(line[6:])))
        deltas = [t for t, e in arrivals if e["type"] == "delta"]
        final = arrivals[-1][1]
        assert final["type"] == "message" and final["status"] == "complete", final
        assert len(deltas) >= 5 and deltas[-1] - deltas[0] > 0.5, f"buffered: deltas at {deltas}"
        figures["sse_first_delta_s"] = round(deltas[0], 3)
        figures["sse_last_delta_s"] = round(deltas[-1], 3)

        # --- the transcript, read through nginx from whichever replica
        transcript = (await http.get(f"/v1/chat/sessions/{session['session_id']}", headers=auth)).json()
    rows = [(m["role"], m.get("client_message_id"), m["status"], m["turn_id"]) for m in transcript["messages"]]
    assert [r[0] for r in rows] == ["user", "assistant"] * 4, rows
    assert [r[1] for r in rows if r[0] == "user"] == ["m0", "m1", "m2", "m3"]
    marker = transcript["messages"][3]
    assert marker["turn_id"] == killed_turn and marker["status"] == "failed" and marker["content"] == "", marker
    assert marker["error"]["code"] == "turn_interrupted"
    assert [m["status"] for m in transcript["messages"][1::2]] == ["complete", "failed", "complete", "complete"]
    assert transcript["turn_in_progress"] is None

    survivors = [r for r in replicas if r.alive()]
    assert len(survivors) == 2
    assert sum(r.metric("agent_chat_turns_total", outcome="interrupted") for r in survivors) == 1
    assert sum(r.metric("agent_chat_turns_total", outcome="complete") for r in survivors) >= 2
    assert ws_request_id in model.request_ids, "the model call carries the request id of its connection"
    figures.update(
        turns_complete=3,  # m0 and m2 over WebSockets, m3 over SSE
        turns_interrupted=1,
        deltas_before_kill=len([e for e in seen if e["type"] == "delta"]),
        ws_request_id=ws_request_id,
    )
    return figures


def _check_logs(logs: dict[int, list[str]], figures: dict[str, Any]) -> None:
    """One JSON line per request and per turn, with request id, tenant, route, status, latency,
    and no field that is not ours."""
    records = []
    for lines in logs.values():
        for line in lines:
            if line.startswith("{"):
                records.append(json.loads(line))
    assert records and not [r for r in records if "litellm_redacted" in r or "color_message" in r]
    start = [r for r in records if r.get("msg") == "request" and r.get("request_id") == figures["start_request_id"]]
    assert len(start) == 1, start
    assert start[0]["route"] == "/v1/chat/start" and start[0]["status"] == 201 and start[0]["tenant_id"] == "1001"
    assert start[0]["latency_ms"] > 0
    turns = [r for r in records if r.get("msg") == "chat turn"]
    ws_turns = [r for r in turns if r["request_id"] == figures["ws_request_id"]]
    assert ws_turns and all(t["route"] == "/v1/chat/ws" and t["tenant_id"] == "1001" for t in ws_turns), turns
    assert {t["status"] for t in turns} == {"complete"} and all(t["latency_ms"] > 0 for t in turns)
    sse = [t for t in turns if t["route"] == "/v1/chat/sessions/{session_id}/messages"]
    assert len(sse) == 1, turns
    figures.pop("ws_request_id")
    figures.pop("start_request_id")
