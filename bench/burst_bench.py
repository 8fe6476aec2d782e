"""Bursts: N recommendation chats send a message at the same moment; each answer is one tool
round and a short text, with the scripted model taking `--latency` s to its first token on every
call (so the ideal wall time is 2 × latency). Measured for `serve --workers 1` and for one worker
per core, each with and without the tool round (the baseline: model time only), in interleaved
rounds in the same run. Prints JSON.

    python -m bench.burst_bench [--sessions 100] [--latency 0.3] [--rounds 3] [--baseline DIR]

`--baseline DIR` (a checkout of another commit, e.g. `git worktree add DIR <commit>`) also runs
that commit's service with one worker per core, interleaved with this one's, in the same run:
the machine's speed drifts between runs, so a change is judged against its baseline of the run.

- wall_s: first message sent → last terminal event received.
- first_delta_ms: message sent → its first `delta` (after the tool round, so ≥ 2 × latency).
- extra_ms: what the service adds over the model's own time (first delta − 2 × latency).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.chat_bench import SECRET, TENANT, RemoteLLM, _cpu_s, _pct, _rss_kb, _stats, _tree, add_model_server_option
from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.llm_server import Reply
from tests.support.servers import free_port

TEXT = "Переезд окупится быстро, риск умеренный, начните с тестовой копии."  # no digits: no re-ask


def _stores_cpu_s() -> float:
    """CPU seconds of every postgres and redis-server process so far (they serve the service)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text.split("(", 1)[1].rsplit(")", 1)[0]
        if name in ("postgres", "redis-server"):
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _machine_busy_s() -> float:
    """CPU seconds all cores spent busy so far (/proc/stat: everything but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class Service:
    """The chat function as its own process tree (`serve --workers W`)."""

    def __init__(self, tmp: Path, env: dict[str, str], workers: int, log: Any, source: str | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "infrazen_agent.cli", "serve", "--components", "chat"]
        cmd += ["--port", str(self.port), "--workers", str(workers)]
        if source:  # another checkout's library first on the path: that commit's service
            env = {**env, "PYTHONPATH": str(Path(source).resolve() / "shared")}
        self.proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/_/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("the chat process exited")
            time.sleep(0.05)
        time.sleep(1.0 if workers != 1 else 0.2)  # every worker up, not only the first to answer

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


async def burst(
    service: Service,
    settings: Settings,
    rec_id: int,
    n: int,
    latency: float,
    profile: str | None = None,
    harness: tuple[int, ...] = (),
) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as client:
        sem = asyncio.Semaphore(16)

        async def start(i: int) -> tuple[str, str]:
            token = mint_token(settings, user=f"burst-{i}", tenant=TENANT, ttl_s=3600)
            async with sem:
                r = await client.post(
                    f"{service.base}/v1/chat/start",
                    json={"scope": "recommendation", "recommendation_id": rec_id},
                    headers={"Authorization": f"Bearer {token}"},
                )
            r.raise_for_status()
            return r.json()["ws_url"], token

        sessions = await asyncio.gather(*(start(i) for i in range(n)))
    conns = []
    for url, token in sessions:
        ws = await websockets.connect(f"{url}&token={token}", max_size=None)
        json.loads(await ws.recv())  # ready
        conns.append(ws)
    first: list[float] = []
    done: list[float] = []
    phases: dict[str, list[float]] = {"turn_started": [], "tool_call": [], "tool_result": []}
    failures: list[str] = []
    go = asyncio.Event()

    async def one(ws: Any) -> None:
        await go.wait()
        t0 = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "content": "Во что обойдётся переезд и сколько усилий?"}))
        seen_delta = False
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if event["type"] in phases:
                phases[event["type"]].append((time.perf_counter() - t0) * 1000)
            if event["type"] == "delta" and not seen_delta:
                seen_delta = True
                first.append((time.perf_counter() - t0) * 1000)
            elif event["type"] in ("message", "error") and event.get("turn_id"):
                if event["type"] == "error":
                    failures.append(event["code"])
                done.append(time.perf_counter())
                return

    tasks = [asyncio.create_task(one(ws)) for ws in conns]
    spy = None
    if profile:  # py-spy on the service's process tree while the burst runs (--profile FILE)
        cmd = ["py-spy", "record", "-p", str(service.proc.pid), "-r", "500", "-f", "raw", "-o", profile]
        spy = subprocess.Popen([*cmd, "--subprocesses", "--nonblocking"], stdout=subprocess.DEVNULL)  # noqa: ASYNC220 - once, before the burst
        await asyncio.sleep(1.0)
    await asyncio.sleep(0.2)
    # These clients are the harness: no collector pause of theirs in the times they stamp (the
    # model server runs without one too; the service keeps its own collector as configured).
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu0 = _cpu_s(service.proc.pid)
    per0 = {p: _cpu_s(p, tree=False) for p in _tree(service.proc.pid)}
    harness0 = [_cpu_s(pid, tree=False) for pid in harness]
    machine0, stores0 = _machine_busy_s(), _stores_cpu_s()
    t_start = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    wall = max(done) - t_start
    gc.enable()
    gc.unfreeze()
    if spy is not None:
        spy.send_signal(2)
        spy.wait(timeout=30)
    cpu = _cpu_s(service.proc.pid) - cpu0
    per_process = sorted((round(_cpu_s(p, tree=False) - c, 2) for p, c in per0.items()), reverse=True)
    machine, stores = _machine_busy_s() - machine0, _stores_cpu_s() - stores0
    harness_cpu = sum(_cpu_s(pid, tree=False) - c for pid, c in zip(harness, harness0, strict=True))
    rss = _rss_kb(service.proc.pid)
    for ws in conns:
        await ws.close()
    ideal_ms = 2 * latency * 1000
    return {
        "wall_s": round(wall, 3),
        "first_delta_ms": _stats(first),
        # when each step of a turn reached its client, after the message was sent
        "turn_started_ms": _stats(phases["turn_started"]),
        "tool_call_ms": _stats(phases["tool_call"]),
        "tool_result_ms": _stats(phases["tool_result"]),
        "extra_p95_ms": round(_pct(first, 0.95) - ideal_ms, 1),
        "failures": failures[:5],
        "completed": n - len(failures),
        "cpu_s": round(cpu, 2),
        "cpu_s_per_process": per_process,  # the supervisor and each worker: how evenly the load spreads
        "harness_cpu_s": round(harness_cpu, 2),  # the model server and these clients
        "postgres_redis_cpu_s": round(stores, 2),
        "machine_busy": round(machine / (wall * (os.cpu_count() or 1)), 2),  # share of all cores
        "rss_mb": round(rss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra service settings")
    parser.add_argument("--baseline", metavar="DIR", help="another checkout to run interleaved as the baseline")
    parser.add_argument("--profile", metavar="FILE", help="py-spy samples of the tool-round bursts (raw format)")
    add_model_server_option(parser)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="iza-burst-", dir="/tmp"))
    log = (tmp / "agent.log").open("wb")
    pg, redis = EmbeddedPostgres(tmp / "pg"), EmbeddedRedis(tmp / "redis")
    llm = RemoteLLM(log, lean=args.model_server == "lean")
    settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        db, redis_url = pg.start(), redis.start()

        async def prepare() -> int:
            import psycopg

            await migrate(db)
            await seed_database(db)
            async with await psycopg.AsyncConnection.connect(db) as conn:
                cur = await conn.execute(
                    "SELECT id FROM recommendations WHERE tenant_id = %s AND rec_type = 'cross_provider_server'"
                    " ORDER BY savings_monthly DESC LIMIT 1",
                    (TENANT,),
                )
                row = await cur.fetchone()
                assert row is not None
                return int(row[0])

        rec_id = asyncio.run(prepare())
        env = {
            **os.environ,
            "DATABASE_URL": db,
            "REDIS_URL": redis_url,
            "AGENT_SERVICE_JWT_SECRET": SECRET,
            "AGENT_LOAD_DEMO": "false",
            "AGENT_DATA_DIR": str(tmp / "data"),
            "LOG_LEVEL": "WARNING",
            "LLM_OFFLINE": "false",
            "LLM_API_BASE": llm.url,
            "LLM_API_KEY": "bench",
            "LLM_MODEL_TEXT": "openai/scripted-text",
            "LLM_MODEL_VISION": "openai/scripted-vision",
            "LLM_FALLBACK_MODELS": "",
            "USER_REQUESTS_PER_MINUTE": "1000000",
            "USER_MESSAGES_PER_MINUTE": "1000000",  # admitted as deployed (the default is 20), never refused
            "TOOL_RATE_LIMITS": "*=1000000",
            "TENANT_DAILY_BUDGET_USD": "1000000",
            "AGENT_SECRETS_DIR": str(tmp / "no-secrets"),
            **dict(kv.split("=", 1) for kv in args.env),
        }
        llm.set_default(Reply(text=TEXT, chunk_size=16, delay_first_token_s=args.latency))
        configs: list[tuple[str, int, str | None]] = [("workers_1", 1, None), ("workers_all", 0, None)]
        if args.baseline:
            configs.append(("baseline/workers_all", 0, args.baseline))
        for r in range(args.rounds):
            for label, workers, source in configs if r % 2 == 0 else configs[::-1]:
                service = Service(tmp, env, workers, log, source)
                try:
                    # One unmeasured burst first: the pools of a service that has been serving
                    # (Redis and Postgres connections, the model client's sockets) are open.
                    llm.tool_round("estimate_migration_effort", {"recommendation_id": rec_id}, delay_s=args.latency)
                    asyncio.run(burst(service, settings, rec_id, args.sessions, args.latency))
                    for mode in ("tool_round", "no_tools") if r % 2 == 0 else ("no_tools", "tool_round"):
                        tool = "estimate_migration_effort" if mode == "tool_round" else None
                        llm.tool_round(tool, {"recommendation_id": rec_id}, delay_s=args.latency)
                        latency = args.latency * (2 if tool else 1)
                        profile = f"{args.profile}.{label}" if args.profile and tool else None
                        harness = (llm.proc.pid, os.getpid())
                        llm.late()  # from here on
                        result = asyncio.run(
                            burst(service, settings, rec_id, args.sessions, latency / 2, profile, harness)
                        )
                        result["model_late_ms"] = _stats(llm.late())
                        runs.setdefault(f"{label}/{mode}", []).append(result)
                finally:
                    service.stop()
    finally:
        llm.stop()
        log.close()
        redis.stop()
        pg.stop()
    summary = {
        key: {
            "wall_s": [r["wall_s"] for r in results],
            "first_delta_p95_ms": [r["first_delta_ms"]["p95"] for r in results],
            "steps_p50_p95_ms": [
                {k: (r[k]["p50"], r[k]["p95"]) for k in ("turn_started_ms", "tool_call_ms", "tool_result_ms")}
                for r in results
            ],
            "first_delta_p50_ms": [r["first_delta_ms"]["p50"] for r in results],
            # the model server's own lateness per answer (its first event after the scripted
            # delay, from reading the request): in a client's latency, but not the service's
            "model_late_p50_p95_ms": [(r["model_late_ms"]["p50"], r["model_late_ms"]["p95"]) for r in results],
            "failures": sum(len(r["failures"]) for r in results),
            "cpu_s": [r["cpu_s"] for r in results],
            "cpu_s_per_process": [r["cpu_s_per_process"] for r in results],
            "harness_cpu_s": [r["harness_cpu_s"] for r in results],
            "machine_busy": [r["machine_busy"] for r in results],
            "postgres_redis_cpu_s": [r["postgres_redis_cpu_s"] for r in results],
            "rss_mb": [r["rss_mb"] for r in results],
        }
        for key, results in runs.items()
    }
    best = summary.get("workers_all/tool_round") or {}
    out = {
        "sessions": args.sessions,
        "model_latency_s": args.latency,
        "ideal_wall_s": {"tool_round": 2 * args.latency, "no_tools": args.latency},
        "runs": summary,
        "targets": {"tool_round_wall_s": 1.0, "tool_round_first_delta_p95_ms": 800},
        "baseline": args.baseline,
        "model_server": args.model_server,
        "pass": bool(best) and max(best["wall_s"]) <= 1.0 and max(best["first_delta_p95_ms"]) <= 800,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "log": str(tmp / "agent.log"),
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
