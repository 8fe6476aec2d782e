"""Per-replica capacity, the figures behind docs/deployment.md's capacity model: phase 1's
`serve` replicas (one process each) on one Postgres and one Redis, behind nginx with
infra/nginx/infrazen-agent.conf, against the scripted model server (a child process) answering
each turn in `--model-s` (first token after 0.2 s, the rest streamed). Prints JSON.

    python -m bench.replica_bench [--sessions 40] [--seconds 15] [--idle 500]

Measured in one run:
- turns: `--sessions` WebSocket sessions sending message after message for `--seconds`: turns
  per second, turn latency (p50/p95) and the model's own share, CPU per turn of the replicas,
  Postgres transactions and Redis commands per turn. The baseline is one replica addressed
  directly (no nginx); then the same load through nginx over 1 and over 3 replicas (after an
  unmeasured warm-up, so that no phase pays for first use).
- idle connections: resident memory per open WebSocket, in a replica and in nginx.
- memory: each replica's resident memory at rest and after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
import websockets

from bench.chat_bench import SECRET, RemoteLLM, _cpu_s, _pieces, _rss_kb, _stats
from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.llm_server import Reply
from tests.support.nginx import running_nginx, site_for
from tests.support.servers import free_port
from tests.support.service_process import CLI, wait_ready

TENANT = "1001"


class Deployment:
    """Embedded Postgres and Redis, the model server, three replicas."""

    def __init__(self, tmp: Path, model_s: float):
        self.tmp = tmp
        self.log = (tmp / "bench.log").open("wb")
        self.llm = RemoteLLM(self.log)
        pieces = 10
        first = 0.2
        self.llm.set_default(
            Reply(
                text=_pieces(pieces),
                chunk_size=9,
                delay_first_token_s=first,
                delay_between_chunks_s=max(0.0, (model_s - first) / pieces),
            )
        )
        self.pg = EmbeddedPostgres(tmp / "pg")
        self.redis_server = EmbeddedRedis(tmp / "redis")
        self.replicas: list[tuple[int, subprocess.Popen[bytes]]] = []
        self.settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]

    def start(self, count: int) -> None:
        self.db, self.redis_url = self.pg.start(), self.redis_server.start()

        async def prepare() -> None:
            await migrate(self.db)
            await seed_database(self.db)

        asyncio.run(prepare())
        env = {
            **os.environ,
            "DATABASE_URL": self.db,
            "REDIS_URL": self.redis_url,
            "AGENT_SERVICE_JWT_SECRET": SECRET,
            "AGENT_LOAD_DEMO": "false",
            "AGENT_WORKERS": "1",
            "AGENT_DATA_DIR": str(self.tmp / "data"),
            "LOG_LEVEL": "WARNING",
            "LLM_OFFLINE": "false",
            "LLM_API_BASE": self.llm.url,
            "LLM_API_KEY": "bench",
            "LLM_MODEL_TEXT": "openai/scripted-text",
            "LLM_MODEL_VISION": "openai/scripted-vision",
            "LLM_FALLBACK_MODELS": "",
            "USER_REQUESTS_PER_MINUTE": "0",
            "USER_MESSAGES_PER_MINUTE": "0",
            "TOOL_RATE_LIMITS": "*=1000000",
            "TENANT_DAILY_BUDGET_USD": "0",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "AGENT_SECRETS_DIR": str(self.tmp / "no-secrets"),
        }
        for _ in range(count):
            port = free_port()
            proc = subprocess.Popen(
                [*CLI, "serve"], env={**env, "AGENT_PORT": str(port)}, stdout=self.log, stderr=self.log
            )
            self.replicas.append((port, proc))
        for port, proc in self.replicas:
            wait_ready(f"http://127.0.0.1:{port}", proc)

    def stop(self) -> None:
        for _, proc in self.replicas:
            proc.terminate()
        for _, proc in self.replicas:
            proc.wait(timeout=60)
        self.llm.stop()
        self.log.close()
        self.redis_server.stop()
        self.pg.stop()

    def token(self, user: str) -> str:
        return mint_token(self.settings, user=user, tenant=TENANT, roles=["analyst"], ttl_s=3600)

    def db_commits(self) -> int:
        with psycopg.connect(self.db, autocommit=True) as conn:
            row = conn.execute("SELECT sum(xact_commit) FROM pg_stat_database").fetchone()
        return int(row[0]) if row else 0

    def redis_commands(self) -> int:
        client = redis.Redis.from_url(self.redis_url)
        try:
            return int(client.info("stats")["total_commands_processed"])
        finally:
            client.close()


async def _sessions(base: str, dep: Deployment, count: int, tag: str) -> list[tuple[str, str]]:
    out = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for i in range(count):
            token = dep.token(f"{tag}-{i}")
            r = await client.post(
                "/v1/chat/start", json={"scope": "analytics"}, headers={"Authorization": f"Bearer {token}"}
            )
            r.raise_for_status()
            out.append((r.json()["session_id"], token))
    return out


async def turns(
    ws_base: str, http_base: str, dep: Deployment, sessions: int, seconds: float, tag: str
) -> dict[str, Any]:
    started = await _sessions(http_base, dep, sessions, tag)
    latencies: list[float] = []
    pids = [proc.pid for _, proc in dep.replicas]
    cpu0, commits0, commands0 = sum(_cpu_s(p) for p in pids), dep.db_commits(), dep.redis_commands()
    t0 = time.monotonic()
    deadline = t0 + seconds

    async def one(session_id: str, token: str) -> None:
        async with websockets.connect(f"{ws_base}/v1/chat/ws?session={session_id}&token={token}", max_size=None) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            n = 0
            while time.monotonic() < deadline:
                sent = time.monotonic()
                await ws.send(
                    json.dumps({"type": "message", "content": f"Какие тренды? {tag}", "client_message_id": f"m{n}"})
                )
                n += 1
                while True:
                    event = json.loads(await ws.recv())
                    if event["type"] in ("message", "error") and event.get("turn_id"):
                        break
                if event["type"] == "message" and event["status"] == "complete":
                    latencies.append(time.monotonic() - sent)

    await asyncio.gather(*(one(s, t) for s, t in started))
    wall = time.monotonic() - t0
    done = len(latencies)
    cpu = sum(_cpu_s(p) for p in pids) - cpu0
    return {
        "sessions": sessions,
        "turns": done,
        "turns_per_s": round(done / wall, 1),
        "latency_s": _stats(latencies),
        "replica_cpu_ms_per_turn": round(cpu * 1000 / max(1, done), 1),
        "postgres_commits_per_turn": round((dep.db_commits() - commits0) / max(1, done), 1),
        "redis_commands_per_turn": round((dep.redis_commands() - commands0) / max(1, done), 1),
    }


async def idle(
    ws_base: str, http_base: str, dep: Deployment, count: int, measured_pid: int, tag: str
) -> dict[str, Any]:
    started = await _sessions(http_base, dep, min(count, 20), tag)
    before = _rss_kb(measured_pid)
    conns = []
    for i in range(count):
        session_id, token = started[i % len(started)]
        ws = await websockets.connect(f"{ws_base}/v1/chat/ws?session={session_id}&token={token}", max_size=None)
        assert json.loads(await ws.recv())["type"] == "ready"
        conns.append(ws)
    await asyncio.sleep(1.0)
    after = _rss_kb(measured_pid)
    for ws in conns:
        await ws.close()
    return {
        "connections": count,
        "rss_kb_per_connection": round((after - before) / count, 1),
        "rss_mb_after": round(after / 1024, 1),
    }


def _nginx_master() -> int:
    """The nginx master started by running_nginx (its pid file)."""
    pid_file = next(Path("/tmp").glob("iza-nginx-*/nginx.pid"))
    return int(pid_file.read_text().strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--model-s", type=float, default=0.6, help="the scripted model's time per answer")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="iza-rb-", dir="/tmp"))
    dep = Deployment(tmp, args.model_s)
    out: dict[str, Any] = {"model_s_per_answer": args.model_s, "cpus": len(os.sched_getaffinity(0))}
    try:
        dep.start(3)
        ports = [port for port, _ in dep.replicas]
        pids = [proc.pid for _, proc in dep.replicas]
        out["replica_rss_mb_at_rest"] = [round(_rss_kb(p) / 1024, 1) for p in pids]
        direct = f"127.0.0.1:{ports[0]}"

        async def run() -> None:
            # warm-up (imports on first use, pools, caches), not measured: the phases compare alike
            await turns(f"ws://{direct}", f"http://{direct}", dep, args.sessions, 4.0, "w")
            out["turns_direct_1_replica"] = await turns(
                f"ws://{direct}", f"http://{direct}", dep, args.sessions, args.seconds, "d"
            )
            out["idle_replica"] = await idle(f"ws://{direct}", f"http://{direct}", dep, args.idle, pids[0], "i")

        asyncio.run(run())
        for upstreams in (1, 3):
            nginx_port = free_port()
            chosen = (ports[:1] * 3) if upstreams == 1 else ports
            with running_nginx(site_for(nginx_port, chosen)):
                base = f"127.0.0.1:{nginx_port}/agent"

                async def through(upstreams: int = upstreams, base: str = base) -> None:
                    key = f"turns_nginx_{upstreams}_replica{'s' if upstreams > 1 else ''}"
                    out[key] = await turns(
                        f"ws://{base}", f"http://{base}", dep, args.sessions, args.seconds, f"n{upstreams}"
                    )
                    if upstreams == 3:
                        out["idle_nginx"] = await idle(
                            f"ws://{base}", f"http://{base}", dep, args.idle, _nginx_master(), "in"
                        )

                asyncio.run(through())
        out["replica_rss_mb_after"] = [round(_rss_kb(p) / 1024, 1) for p in pids]
    finally:
        dep.stop()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
