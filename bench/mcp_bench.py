"""MCP call overhead over `POST /v1/tools/{name}`: the same tool, the same arguments, the same
service process, calls interleaved in one run. Prints JSON.

    python -m bench.mcp_bench [--iterations 300] [--tool get_resource] [--data-dir /tmp/iza-mcp-bench]

Set-up: embedded Postgres and Redis under --data-dir (or DATABASE_URL / REDIS_URL) with the demo
dataset; `infrazen-agent serve --components tools,mcp --workers 1` as a separate process (rate
limits off, so no call is refused). Measured per call, client-side, over keep-alive connections:

- http_tool_api: `POST /v1/tools/{name}` (httpx) — the baseline.
- mcp_sdk_client: `ClientSession.call_tool` over the SDK's streamable HTTP client, one
  initialized session (how an MCP client calls).
- mcp_jsonrpc: the same `tools/call` as one JSON-RPC POST to /mcp (httpx): the server's share
  of the overhead, without the SDK client's.

overhead_ms = p50/p95 of each MCP path minus the baseline's (same run). Every call goes through
the same registry path (limits, tool, one audit row), so the difference is the protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import psycopg
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis

SECRET = "bench-secret-0123456789abcdef-0123"
TENANT = "1001"
_ACCEPT = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
        "max": round(ordered[-1], 3),
        "n": len(ordered),
    }


def _arguments(url: str, tool: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        server = conn.execute(
            "SELECT id FROM resources WHERE tenant_id = %s AND resource_type = 'server' ORDER BY id LIMIT 1", (TENANT,)
        ).fetchone()
        rec = conn.execute(
            "SELECT id FROM recommendations WHERE tenant_id = %s ORDER BY id LIMIT 1", (TENANT,)
        ).fetchone()
    assert server and rec
    return {
        "get_resource": {"resource_id": server[0]},
        "get_recommendation": {"recommendation_id": rec[0]},
        "get_user_context": {},
        "get_analytics_overview": {"days": 30},
    }[tool]


def _serve(settings_env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cli = str(Path(sys.executable).with_name("infrazen-agent"))
    env = {**os.environ, **settings_env}
    return subprocess.Popen(
        [cli, "serve", "--components", "tools,mcp", "--workers", "1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_ready(base: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/_/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the service did not start")


async def measure(base: str, token: str, tool: str, arguments: dict[str, Any], n: int) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    samples: dict[str, list[float]] = {"http_tool_api": [], "mcp_sdk_client": [], "mcp_jsonrpc": []}
    async with (
        httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as http,
        httpx2.AsyncClient(headers=auth, timeout=30) as mcp_http,
        streamable_http_client(base + "/mcp", http_client=mcp_http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        await session.list_tools()  # as a client does first (the SDK validates results against it)
        rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}

        async def via_http() -> None:
            r = await http.post(f"/v1/tools/{tool}", json=arguments)
            assert r.status_code == 200, r.text

        async def via_sdk() -> None:
            result = await session.call_tool(tool, arguments)
            assert not result.is_error, result.content

        async def via_jsonrpc() -> None:
            r = await http.post("/mcp", json=rpc, headers=_ACCEPT)
            assert r.status_code == 200 and "result" in r.json(), r.text

        paths: dict[str, Callable[[], Awaitable[None]]] = {
            "http_tool_api": via_http,
            "mcp_sdk_client": via_sdk,
            "mcp_jsonrpc": via_jsonrpc,
        }
        for _ in range(10):  # warm-up: connections, prepared statements, imports
            for call in paths.values():
                await call()
        for i in range(n):
            order = list(paths.items())
            order = order[i % 3 :] + order[: i % 3]  # no path always first after the others
            for name, call in order:
                t0 = time.perf_counter()
                await call()
                samples[name].append((time.perf_counter() - t0) * 1000)
    stats = {name: percentiles(values) for name, values in samples.items()}
    base_stats = stats["http_tool_api"]
    overhead = {
        name: {q: round(stats[name][q] - base_stats[q], 3) for q in ("p50", "p95")}
        for name in ("mcp_sdk_client", "mcp_jsonrpc")
    }
    return {"latency_ms": stats, "overhead_ms": overhead}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(args.data_dir)
    pg = redis = None
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url:
        pg = EmbeddedPostgres(data_dir / "pg")
        url = pg.start()
    if not redis_url:
        redis = EmbeddedRedis(data_dir / "redis")
        redis_url = redis.start()
    proc = None
    try:
        await migrate(url)
        await seed_database(url)  # the demo dataset, once
        port = 18500 + os.getpid() % 400
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "AGENT_SERVICE_JWT_SECRET": SECRET,
            "AGENT_LOAD_DEMO": "false",
            "AGENT_DATA_DIR": str(data_dir / "data"),
            "LLM_OFFLINE": "true",
            "LOG_LEVEL": "WARNING",
            "TOOL_RATE_LIMITS": "*=0",  # no limit: every call is served
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        proc = _serve(env, port)
        base = f"http://127.0.0.1:{port}"
        await _wait_ready(base)
        settings = Settings(_env_file=None, agent_service_jwt_secret=SECRET)  # type: ignore[call-arg]
        token = mint_token(settings, user=TENANT, tenant=TENANT, ttl_s=3600)
        result = await measure(base, token, args.tool, _arguments(url, args.tool), args.iterations)
        return {"tool": args.tool, "iterations": args.iterations, "workers": 1, **result}
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if redis is not None:
            redis.stop()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument(
        "--tool",
        default="get_resource",
        choices=["get_resource", "get_recommendation", "get_user_context", "get_analytics_overview"],
    )
    parser.add_argument("--data-dir", default="/tmp/iza-mcp-bench")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=1))


if __name__ == "__main__":
    main()
