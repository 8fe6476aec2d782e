"""Chat benchmark: what the service adds on top of the model, measured against the model itself
in the same run. Prints JSON.

    python -m bench.chat_bench [--turns 40] [--sessions 200] [--chunks 30] [--interval 0.05]

Set-up: embedded Postgres and Redis (seeded with the demo dataset), the scripted OpenAI-compatible
model server in a child process, and the chat function as its own process (uvicorn), so that the
clients here do not share its event loop or its GIL.

- ttft: time from sending a message over the WebSocket to its first `delta`, minus the scripted
  model's own time to first token measured directly (HTTP streaming request, same reply, runs
  interleaved). Target: p50 of the added time < 20 ms.
- concurrency: N sessions (one WebSocket each) send a message at once; each answer streams
  `chunks` pieces `interval` s apart. Event delay = when a client receives a piece − when the
  model server sent it (same process, same clock). Target: p95 < 100 ms.
- idle memory: the chat process's RSS before and after opening N idle connections, per connection.
- context packs: token estimates of the recommendation and analytics packs on the demo data.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import websockets
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.llm_server import Reply, ScriptedLLMServer, ScriptedToolCall
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-0123456789abcdef-0123"
TENANT, USER = "1001", "1001"


class TimedLLMServer(ScriptedLLMServer):
    """The scripted server, recording when each content piece of each answer leaves it. Answers
    are keyed by a marker the bench puts in the user message ("[bench:<key>]"). Runs in its own
    process (`--serve-llm`), so that neither it nor the bench's clients wait on the other's GIL;
    time.perf_counter is the system-wide monotonic clock, comparable across the two processes."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[str, list[tuple[int, float]]] = defaultdict(list)  # key -> (chars, t)
        # Tool-round mode: a request that does not follow a tool result gets this tool call first.
        self.tool_call: Reply | None = None
        # Per streamed answer: how much later than its scripted delay its first event left, after
        # the request was read (ms). The server's own queueing, which a client counts as latency.
        self.late_ms: list[float] = []
        self.app.add_route("/_bench/reply", self._set_reply, methods=["POST"])
        self.app.add_route("/_bench/late", self._take_late, methods=["POST"])
        self.app.add_route("/_bench/tool_round", self._set_tool_round, methods=["POST"])
        self.app.add_route("/_bench/sent", self._get_sent, methods=["GET"])

    def set_reply(self, body: dict[str, Any]) -> None:
        reply = Reply(**body["reply"])
        if body.get("default"):
            self.default_reply = reply
        else:
            self.script(reply)

    def set_tool_round(self, body: dict[str, Any]) -> None:
        if body.get("tool"):
            call = ScriptedToolCall(name=body["tool"], arguments=json.dumps(body.get("arguments") or {}))
            self.tool_call = Reply(tool_calls=[call], delay_first_token_s=float(body.get("delay_s") or 0))
        else:
            self.tool_call = None

    async def _set_reply(self, request: Request) -> Response:
        self.set_reply(await request.json())
        return JSONResponse({})

    async def _set_tool_round(self, request: Request) -> Response:
        self.set_tool_round(await request.json())
        return JSONResponse({})

    def _reply_for(self, body: dict[str, Any]) -> Reply:
        messages = body.get("messages") or [{}]
        if self.tool_call is not None and messages[-1].get("role") != "tool":
            return self.tool_call
        return super()._reply_for(body)

    async def _get_sent(self, _: Request) -> Response:
        return JSONResponse(self.sent)

    def take_late(self) -> list[float]:
        late, self.late_ms = self.late_ms, []
        return late

    async def _take_late(self, _: Request) -> Response:
        return JSONResponse(self.take_late())

    def stamp_first(self, arrived: float, reply: Reply) -> None:
        self.late_ms.append(round((time.perf_counter() - arrived - reply.delay_first_token_s) * 1000, 3))

    @staticmethod
    def key_of(body: dict[str, Any]) -> str:
        """The bench's marker in the last message ("[bench:<key>]"), or ""."""
        text = json.dumps(body.get("messages", [])[-1:])
        return text.split("[bench:", 1)[1].split("]", 1)[0] if "[bench:" in text else ""

    def record(self, key: str, chunk: bytes, total: int) -> int:
        """Stamps a content piece of answer `key` as it leaves; returns the characters sent so far."""
        if chunk.startswith(b"data: {"):
            choices = json.loads(chunk[6:]).get("choices") or [{}]
            piece = (choices[0].get("delta") or {}).get("content") or ""
            if piece:
                total += len(piece)
                self.sent[key].append((total, time.perf_counter()))
        return total

    def _sse(self, reply: Reply, model: str, include_usage: bool) -> AsyncIterator[bytes]:
        return self._stamped(super()._sse(reply, model, include_usage), reply, time.perf_counter())

    async def _stamped(self, events: AsyncIterator[bytes], reply: Reply, arrived: float) -> AsyncIterator[bytes]:
        async for event in events:
            if arrived:
                self.stamp_first(arrived, reply)
                arrived = 0.0
            yield event

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        key = self.key_of(body)
        response = await super()._completions(request)
        if key and isinstance(response, StreamingResponse):
            response.body_iterator = self._record(key, response.body_iterator)
        return response

    async def _record(self, key: str, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        total = 0
        async for chunk in chunks:
            total = self.record(key, chunk if isinstance(chunk, bytes) else str(chunk).encode(), total)
            yield chunk


def add_model_server_option(parser: argparse.ArgumentParser) -> None:
    """`--model-server`, for every bench that runs a RemoteLLM (`lean=args.model_server == "lean"`)."""
    parser.add_argument(
        "--model-server",
        choices=["lean", "starlette"],
        default="lean",
        help="the scripted model's server: bench/model_server.py, or the tests' Starlette app",
    )


class RemoteLLM:
    """Controls the timed model server running in a child process: the lean one by default
    (bench/model_server.py), or the Starlette app the tests use (`lean=False`)."""

    def __init__(self, log: Any, lean: bool = True) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/v1"
        module = "bench.model_server" if lean else "bench.chat_bench"
        cmd = [sys.executable, "-m", module, "--serve-llm", str(self.port)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/models", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the model server did not start")

    def _reply(self, reply: Reply, default: bool) -> None:
        fields = {k: v for k, v in asdict(reply).items() if k != "tool_calls"}
        httpx.post(f"{self.base}/_bench/reply", json={"reply": fields, "default": default}).raise_for_status()

    def script(self, reply: Reply) -> None:
        self._reply(reply, default=False)

    def set_default(self, reply: Reply) -> None:
        self._reply(reply, default=True)

    def tool_round(self, tool: str | None, arguments: dict[str, Any] | None = None, delay_s: float = 0.0) -> None:
        """Every answer starts with one call of `tool` (None: no tool round)."""
        body = {"tool": tool, "arguments": arguments, "delay_s": delay_s}
        httpx.post(f"{self.base}/_bench/tool_round", json=body).raise_for_status()

    def late(self) -> list[float]:
        """The model server's own lateness per streamed answer since the last call (ms)."""
        result: list[float] = httpx.post(f"{self.base}/_bench/late", timeout=30).json()
        return result

    def sent(self) -> dict[str, list[tuple[int, float]]]:
        result: dict[str, list[tuple[int, float]]] = httpx.get(f"{self.base}/_bench/sent", timeout=30).json()
        return result

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _pieces(chunks: int) -> str:
    """An answer of `chunks` 9-character pieces with no digits: the grounding checker has no
    figure to question, so what is measured is streaming, not a corrective re-ask."""
    letters = "абвгдежзиклмнопрстуфхцчшэюя"
    return "".join(f"часть{letters[i // 27 % 27]}{letters[i % 27]}{letters[i // 729 % 27]} " for i in range(chunks))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": _pct(values, 0.5),
        "p95": _pct(values, 0.95),
        "max": round(max(values), 3) if values else float("nan"),
    }


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the workers of `serve --workers`)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _cpu_s(pid: int, tree: bool = True) -> float:
    """User + system CPU seconds of a process (and its descendants) so far."""
    total = 0.0
    for p in _tree(pid) if tree else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants (each worker counted whole)."""
    total = 0
    for p in _tree(pid):
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), 0)
    return total


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path):
        self.args = args
        self.tmp = tmp
        self.log = (tmp / "agent.log").open("wb")
        self.llm = RemoteLLM(self.log, lean=args.model_server == "lean")
        self.pg = EmbeddedPostgres(tmp / "pg")
        self.redis = EmbeddedRedis(tmp / "redis")
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]

    def token(self, user: str = USER) -> str:
        return mint_token(self.settings, user=user, tenant=TENANT, ttl_s=3600)

    def start(self) -> None:
        db, redis_url = self.pg.start(), self.redis.start()

        async def prepare() -> None:
            await migrate(db)
            await seed_database(db)

        asyncio.run(prepare())
        env = {
            **os.environ,
            "DATABASE_URL": db,
            "REDIS_URL": redis_url,
            "AGENT_SERVICE_JWT_SECRET": SECRET,
            "AGENT_LOAD_DEMO": "false",
            "AGENT_DATA_DIR": str(self.tmp / "data"),
            "LOG_LEVEL": "WARNING",
            "LLM_OFFLINE": "false",
            "LLM_API_BASE": self.llm.url,
            "LLM_API_KEY": "bench",
            "LLM_MODEL_TEXT": "openai/scripted-text",
            "LLM_MODEL_VISION": "openai/scripted-vision",
            "LLM_FALLBACK_MODELS": "",
            "LLM_TRANSPORT": self.args.transport,
            "USER_REQUESTS_PER_MINUTE": "1000000",
            "USER_MESSAGES_PER_MINUTE": "0",  # the bench measures overhead, not the flood limit
            "TENANT_DAILY_BUDGET_USD": "1000000",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "AGENT_SECRETS_DIR": str(self.tmp / "no-secrets"),
        }
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "infrazen_agent.cli", "serve", "--components", "chat"),
                *("--port", str(self.port), "--workers", str(self.args.workers)),
            ],
            cwd=self.tmp,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/_/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("chat process exited: " + (self.tmp / "agent.log").read_text()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("chat process not ready in 120 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            print(f"chat process exited early ({self.proc.returncode}); log: {self.tmp / 'agent.log'}", file=sys.stderr)
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.llm.stop()
        self.log.close()
        self.redis.stop()
        self.pg.stop()

    async def session(self, client: httpx.AsyncClient, user: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await client.post(
            f"{self.base}/v1/chat/start", json=body, headers={"Authorization": f"Bearer {self.token(user)}"}
        )
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    # --- context packs
    async def packs(self, client: httpx.AsyncClient) -> dict[str, Any]:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.pg.url) as conn:
            cur = await conn.execute(
                "SELECT id FROM recommendations WHERE tenant_id = %s ORDER BY savings_monthly DESC LIMIT 5", (TENANT,)
            )
            rec_ids = [r[0] for r in await cur.fetchall()]
        recs = [
            (await self.session(client, USER, {"scope": "recommendation", "recommendation_id": i}))["context"]["tokens"]
            for i in rec_ids
        ]
        analytics = [
            (await self.session(client, USER, {"scope": "analytics", "time_range": {"days": d}}))["context"]["tokens"]
            for d in (7, 30, 90)
        ]
        return {
            "recommendation_tokens": {"max": max(recs), "values": recs, "budget": 1500},
            "analytics_tokens": {"max": max(analytics), "values": analytics, "budget": 2000},
        }

    # --- time to first token
    async def model_ttft(self, client: httpx.AsyncClient, reply: Reply) -> float:
        self.llm.script(reply)
        body = {"model": "scripted-text", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        t0 = time.perf_counter()
        async with client.stream("POST", f"{self.llm.url}/chat/completions", json=body) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: {") and '"content": "' in line and '"content": ""' not in line:
                    return (time.perf_counter() - t0) * 1000
        raise RuntimeError("no content from the model")

    async def ttft(self, client: httpx.AsyncClient) -> dict[str, Any]:
        reply = Reply(text="Экономия составит 2 136 ₽ в месяц.", chunk_size=8)
        started = await self.session(client, USER, {"scope": "analytics", "time_range": {"days": 30}})
        model: list[float] = []
        service: list[float] = []
        async with websockets.connect(f"{started['ws_url']}&token={self.token()}", max_size=None) as ws:
            json.loads(await ws.recv())  # ready
            for i in range(self.args.turns + 3):
                m = await self.model_ttft(client, reply)
                self.llm.script(reply)
                t0 = time.perf_counter()
                await ws.send(
                    json.dumps({"type": "message", "content": f"Вопрос {i}", "client_message_id": f"ttft-{i}"})
                )
                first: float | None = None
                while True:
                    event = json.loads(await ws.recv())
                    if event["type"] == "delta" and first is None:
                        first = (time.perf_counter() - t0) * 1000
                    if event["type"] in ("message", "error") and event.get("turn_id"):
                        if event["type"] == "error":
                            raise RuntimeError(f"turn failed: {event}")
                        break
                if i >= 3:  # warm-up: first imports, connection pools
                    model.append(m)
                    assert first is not None
                    service.append(first)
        added = [s - m for s, m in zip(service, model, strict=True)]
        return {
            "model_ttft_ms": _stats(model),
            "service_ttft_ms": _stats(service),
            "added_ms": _stats(added),
            "target_added_p50_ms": 20,
            "pass": _pct(added, 0.5) < 20,
        }

    # --- many sessions streaming at once
    async def concurrency(self, client: httpx.AsyncClient) -> dict[str, Any]:
        n, chunks = self.args.sessions, self.args.chunks
        text = _pieces(chunks)
        self.llm.set_default(Reply(text=text, chunk_size=9, delay_between_chunks_s=self.args.interval))
        users = [f"bench-user-{i}" for i in range(n)]
        sem = asyncio.Semaphore(16)

        async def start(user: str) -> dict[str, Any]:
            async with sem:
                return await self.session(client, user, {"scope": "analytics", "time_range": {"days": 30}})

        sessions = await asyncio.gather(*(start(u) for u in users))
        pid = self.proc.pid if self.proc else 0
        await asyncio.sleep(0.5)
        rss_before = _rss_kb(pid)
        conns = []
        for user, s in zip(users, sessions, strict=True):
            ws = await websockets.connect(f"{s['ws_url']}&token={self.token(user)}", max_size=None)
            json.loads(await ws.recv())  # ready
            conns.append(ws)
        await asyncio.sleep(1.0)
        rss_idle = _rss_kb(pid)
        received: dict[str, list[tuple[int, float]]] = defaultdict(list)
        failures: list[str] = []
        t_msg: dict[str, float] = {}

        async def run(i: int, ws: Any) -> None:
            key = f"c{i}"
            await asyncio.sleep(self.args.ramp * i / n)  # arrivals spread over the ramp
            t_msg[key] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "content": f"[bench:{key}] поток", "client_message_id": key}))
            total = 0
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if event["type"] == "delta":
                    total += len(event["text"])
                    received[key].append((total, time.perf_counter()))
                elif event["type"] in ("message", "error") and event.get("turn_id"):
                    if event["type"] == "error":
                        failures.append(event["code"])
                    return

        profiler = self._profile(pid)
        gc.disable()  # nor in the clients' receive stamps (the chat process keeps its collector)
        t0, cpu0_agent, cpu0_bench = time.perf_counter(), _cpu_s(pid), _cpu_s(os.getpid(), tree=False)
        try:
            await asyncio.gather(*(run(i, ws) for i, ws in enumerate(conns)))
        finally:
            gc.enable()
        wall = time.perf_counter() - t0
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its samples on SIGINT
            profiler.wait(timeout=30)
        cpu_agent, cpu_bench = _cpu_s(pid) - cpu0_agent, _cpu_s(os.getpid(), tree=False) - cpu0_bench
        rss_busy = _rss_kb(pid)
        for ws in conns:
            await ws.close()
        # Every piece the model sent, from when it left the model server to when the client got
        # the delta holding it (deltas queued behind a slow socket are merged into one).
        delays: list[float] = []
        unmatched = 0
        sent_by_key = self.llm.sent()
        for key, sent in sent_by_key.items():
            got = received.get(key, [])
            for chars, t_sent in sent:
                t_recv = next((t for c, t in got if c >= chars), None)
                if t_recv is None:
                    unmatched += 1
                else:
                    delays.append((t_recv - t_sent) * 1000)
        first_delta = [(got[0][1] - t_msg[key]) * 1000 for key, got in received.items() if got]
        return {
            "sessions": n,
            "chunks_per_answer": chunks,
            "interval_s": self.args.interval,
            "ramp_s": self.args.ramp,
            "completed": n - len(failures),
            "failures": failures[:5],
            "wall_s": round(wall, 2),
            "ideal_wall_s": round(chunks * self.args.interval, 2),
            "event_delay_ms": _stats(delays),
            "pieces": {
                "sent_by_model": sum(len(v) for v in sent_by_key.values()),
                "deltas_received": sum(len(v) for v in received.values()),
                "never_received": unmatched,
            },
            "first_delta_after_send_ms": _stats(first_delta),
            "cpu_s_during_streaming": {"chat_process": round(cpu_agent, 2), "bench_process": round(cpu_bench, 2)},
            "target_p95_ms": 100,
            "pass": not failures and _pct(delays, 0.95) < 100,
            "memory": {
                "rss_before_kb": rss_before,
                "rss_idle_kb": rss_idle,
                "rss_streaming_kb": rss_busy,
                "per_idle_connection_kb": round((rss_idle - rss_before) / n, 1),
            },
        }

    def _profile(self, pid: int) -> subprocess.Popen[bytes] | None:
        """py-spy sampling the chat process while the sessions stream (--profile FILE)."""
        if not self.args.profile:
            return None
        spy = shutil.which("py-spy")
        if spy is None:
            raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
        cmd = [spy, "record", "-p", str(pid), "-r", "250", "-f", "raw", "-o", self.args.profile, "--nonblocking"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # py-spy attaches before the first message goes out
        return proc

    async def ledger(self) -> list[dict[str, Any]]:
        """What the gateway recorded: calls per outcome and their retries."""
        import psycopg
        from psycopg.rows import dict_row

        async with await psycopg.AsyncConnection.connect(self.pg.url, row_factory=dict_row) as conn:
            cur = await conn.execute(
                "SELECT outcome, count(*) AS calls, sum(retries) AS retries, round(avg(ttft_ms)::numeric, 1)"
                " AS avg_ttft_ms FROM llm_calls GROUP BY outcome ORDER BY outcome"
            )
            return [
                {k: (float(v) if k != "outcome" and v is not None else v) for k, v in r.items()}
                for r in await cur.fetchall()
            ]

    async def cpu_per_answer(self, client: httpx.AsyncClient, chunks: int = 30) -> dict[str, Any]:
        """CPU (this thread only) to consume one streamed answer of `chunks` pieces: through the
        LLM gateway (with --transport) vs. reading the raw SSE with httpx. Explains where the chat
        process's CPU per turn goes under load."""
        from infrazen_agent.llm import CallMeta, get_gateway
        from infrazen_agent.runtime import Runtime

        text = _pieces(chunks)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=self.pg.url,
            redis_url=self.redis.url,
            llm_offline=False,
            llm_api_base=self.llm.url,
            llm_api_key="bench",
            llm_model_text="openai/scripted-text",
            llm_fallback_models=[],
            llm_transport=self.args.transport,
            user_requests_per_minute=1_000_000,
            tenant_daily_budget_usd=1e6,
        )
        runtime = await Runtime(settings).ensure_started()
        gateway = get_gateway(runtime)
        meta = CallMeta(tenant_id=TENANT, user_id="cpu-probe", scenario="chat_analytics")
        messages = [{"role": "user", "content": "hi"}]
        self.llm.set_default(Reply(text=text, chunk_size=9))
        via_gateway, raw = [], []
        for i in range(23):
            t = time.thread_time()
            async for _ in gateway.stream(messages, meta=meta):
                pass
            g = (time.thread_time() - t) * 1000
            t = time.thread_time()
            body = {"model": "scripted-text", "stream": True, "messages": messages}
            async with client.stream("POST", f"{self.llm.url}/chat/completions", json=body) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: {"):
                        json.loads(line[6:])
            if i >= 3:
                via_gateway.append(g)
                raw.append((time.thread_time() - t) * 1000)
        await runtime.stop()
        return {"chunks": chunks, "llm_gateway_cpu_ms": _stats(via_gateway), "raw_sse_cpu_ms": _stats(raw)}

    async def run(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=60) as client:
            out: dict[str, Any] = {"context_packs": await self.packs(client)}
            if not self.args.skip_ttft:
                out["ttft"] = await self.ttft(client)
            out["concurrency"] = await self.concurrency(client)
            out["llm_ledger"] = await self.ledger()
            out["cpu_per_streamed_answer"] = await self.cpu_per_answer(client, self.args.chunks)
        return out


def serve_llm(port: int) -> None:
    import uvicorn

    # The model server is the harness, not the system under test: no collector pauses in the
    # times it stamps (reference counting still frees almost everything in a run this short).
    gc.disable()

    uvicorn.run(TimedLLMServer().app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds over which the sessions send their messages (0: all at once)"
    )
    parser.add_argument("--skip-ttft", action="store_true")
    parser.add_argument(
        "--transport", choices=["auto", "litellm"], default="auto", help="the chat process's LLM_TRANSPORT"
    )
    parser.add_argument("--workers", type=int, default=1, help="the chat process's serve --workers (0: one per core)")
    parser.add_argument("--profile", metavar="FILE", help="py-spy samples of the chat process while streaming")
    add_model_server_option(parser)
    parser.add_argument("--serve-llm", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the model server's process
    args = parser.parse_args()
    if args.serve_llm:
        serve_llm(args.serve_llm)
        return
    tmp = Path(tempfile.mkdtemp(prefix="iza-cb-", dir="/tmp"))
    bench = Bench(args, tmp)
    try:
        bench.start()
        result = asyncio.run(bench.run())
    finally:
        bench.stop()
    result["transport"] = args.transport
    result["workers"] = args.workers
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
