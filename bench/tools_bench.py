"""Tool benchmark on the large dataset (>= 5 million daily cost rows). Prints JSON.

    python -m bench.tools_bench [--iterations 60] [--min-rows 5000000] [--data-dir /tmp/iza-bench] [--http]

Set-up: embedded Postgres and Redis under --data-dir (or DATABASE_URL / REDIS_URL), seeded once
with the demo tenants plus synthetic 300-resource tenants up to --min-rows cost rows (COPY; about
1.5 minutes on 2 cores; later runs reuse it). Each tool is called through `ToolRegistry.call`
exactly as the agent calls it (argument validation, Redis rate limit, the query, audit insert),
for a demo tenant and a synthetic one, with a fresh user per call so the rate limit never trips.

Baselines in the same run: a `SELECT 1` round trip through the pool, a Redis PING, and a trivial
registered tool (the registry's own overhead: rate limit + audit). Targets on 2 cores: analytics
tools p50 < 50 ms; get_resource and list_top_alternatives p50 < 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import uvicorn
from pydantic import BaseModel

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.data.demo import LARGE_MIN_COST_ROWS
from infrazen_agent.data.internal_api import PREFIX, create_internal_api
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import Tool, ToolContext, ToolRegistry, get_registry
from infrazen_agent.tools.common import ToolInput

SECRET = "bench-secret-0123456789abcdef-0123"
ANALYTICS = (
    "get_analytics_overview",
    "get_cost_trends",
    "get_service_breakdown",
    "get_provider_breakdown",
    "get_anomalies",
)
FAST = ("get_resource", "list_top_alternatives")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


async def timed(fn: Callable[[], Awaitable[Any]], n: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        await fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return percentiles(samples)


async def ensure_dataset(url: str, min_rows: int) -> dict[str, Any]:
    await migrate(url)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM cost_daily").fetchone()
    present = int(row[0]) if row else 0
    if present >= min_rows:
        return {"loaded_now": False, "cost_rows": present}
    report = await seed_database(url, min_cost_rows=min_rows, reset=present > 0)
    return {
        "loaded_now": True,
        "cost_rows": report.cost_rows,
        "tenants": report.tenants,
        "resources": report.resources,
        "load_seconds": report.seconds,
    }


def tool_arguments(url: str, tenant: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(url) as conn:
        server = conn.execute(
            "SELECT id FROM resources WHERE tenant_id = %s AND resource_type = 'server'"
            " AND status = 'running' ORDER BY id LIMIT 1",
            (tenant,),
        ).fetchone()
        rec = conn.execute(
            "SELECT id FROM recommendations WHERE tenant_id = %s AND rec_type ="
            " 'cross_provider_server' ORDER BY id LIMIT 1",
            (tenant,),
        ).fetchone()
        sku = conn.execute("SELECT provider, sku FROM price_catalog ORDER BY id LIMIT 3").fetchall()
    assert server and rec
    return {
        "get_user_context": {},
        "get_resource": {"resource_id": server[0]},
        "get_latest_snapshot": {"resource_id": server[0]},
        "list_top_alternatives": {"resource_id": server[0], "limit": 5},
        "get_prices_for_skus": {"skus": [{"provider": p, "sku": s} for p, s in sku]},
        "get_recommendation": {"recommendation_id": rec[0]},
        "get_analytics_overview": {"days": 30},
        "get_cost_trends": {"days": 90, "group_by": "service"},
        "get_service_breakdown": {"days": 30},
        "get_provider_breakdown": {"days": 30},
        "get_anomalies": {"days": 90},
        "summarize_top_recommendations": {"limit": 5},
        "estimate_migration_effort": {"recommendation_id": rec[0]},
        "generate_step_plan": {"recommendation_id": rec[0]},
    }


class _In(ToolInput):
    pass


class _Out(BaseModel):
    ok: bool


async def _noop(ctx: ToolContext, args: _In) -> tuple[_Out, str]:
    return _Out(ok=True), "ok"


async def measure_tools(runtime: Runtime, url: str, tenant: str, n: int) -> dict[str, Any]:
    registry = get_registry()
    args = tool_arguments(url, tenant)
    counter = iter(range(10**9))
    out: dict[str, Any] = {}
    for name in registry.names():

        async def call(name: str = name) -> None:
            ctx = ToolContext(runtime=runtime, principal=Principal(user_id=f"bench-{next(counter)}", tenant_id=tenant))
            result = await registry.call(name, args[name], ctx)
            assert result.ok, (name, result.error)

        out[name] = await timed(call, n)
    return out


class _Thread:
    """The reference internal API under uvicorn in a thread (for --http)."""

    def __init__(self, settings: Settings, port: int):
        self.server = uvicorn.Server(
            uvicorn.Config(create_internal_api(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
        )
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> _Thread:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


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
    try:
        dataset = await ensure_dataset(url, args.min_rows)
        settings = Settings(
            _env_file=None,
            database_url=url,
            redis_url=redis_url,  # type: ignore[call-arg]
            agent_service_jwt_secret=SECRET,
            agent_load_demo=False,
            llm_offline=True,
            agent_data_dir=data_dir,
        )
        runtime = Runtime(settings)
        await runtime.ensure_started()
        try:

            async def select1() -> None:
                async with runtime.pool.connection() as conn:
                    await conn.execute("SELECT 1")

            trivial = ToolRegistry()
            trivial.register(Tool("noop", 1, "baseline", _In, _Out, _noop, rate_per_minute=10**9))
            base_ctx = ToolContext(runtime=runtime, principal=Principal(user_id="bench", tenant_id="1001"))
            baseline = {
                "select_1": await timed(select1, args.iterations),
                "redis_ping": await timed(runtime.redis.ping, args.iterations),
                "registry_noop_tool": await timed(lambda: trivial.call("noop", {}, base_ctx), args.iterations),
            }
            sql = {t: await measure_tools(runtime, url, t, args.iterations) for t in ("1001", "bench-0001")}
        finally:
            await runtime.stop()
        report: dict[str, Any] = {
            "dataset": dataset,
            "iterations": args.iterations,
            "baseline_ms": baseline,
            "sql_ms": sql,
        }
        if args.http:
            port = 18000 + os.getpid() % 1000
            with _Thread(settings, port):
                http_runtime = Runtime(
                    settings.model_copy(update={"agent_internal_api_base": f"http://127.0.0.1:{port}{PREFIX}"})
                )
                await http_runtime.ensure_started()
                try:
                    report["http_ms"] = {"1001": await measure_tools(http_runtime, url, "1001", args.iterations)}
                finally:
                    await http_runtime.stop()
        checks = {}
        for tenant, tools in sql.items():
            for name in ANALYTICS:
                checks[f"{tenant}:{name} p50<50ms"] = tools[name]["p50"] < 50
            for name in FAST:
                checks[f"{tenant}:{name} p50<10ms"] = tools[name]["p50"] < 10
        report["targets_met"] = checks
        return report
    finally:
        if redis is not None:
            redis.stop()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--min-rows", type=int, default=LARGE_MIN_COST_ROWS)
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR", "/tmp/iza-bench"))
    parser.add_argument("--http", action="store_true", help="also measure through the reference internal API")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
