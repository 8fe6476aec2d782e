"""FOCUS import benchmark: 1,000,000 generated FOCUS 1.0 rows imported through the same job the CLI
runs, then the analytics tools on the imported tenant beside the same tools on the demo data, in
the same run. Prints JSON.

    python -m bench.import_bench [--rows 1000000] [--iterations 40] [--data-dir /tmp/iza-import-bench]

Set-up: embedded Postgres and Redis under --data-dir (or DATABASE_URL / REDIS_URL); a fresh
database per run with the demo dataset; the FOCUS file is generated from the demo tenants' data
(hourly rows; `imports/generate.py`) in a child process and kept under --data-dir for later runs.
Import time is wall time from the job's start to its end (read, check, COPY, fold, rollup); peak
memory is this process's resident set sampled during the import. Targets on 2 cores: the import
< 90 s; analytics tools on the imported data p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.tools_bench import ANALYTICS, percentiles
from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from infrazen_agent.imports.jobs import create_job, run_job
from infrazen_agent.imports.load import ImportOptions
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, get_registry

SECRET = "bench-secret-0123456789abcdef-0123"
TENANT = "focus-bench"
DEMO_TENANT = "1001"


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _PeakRss:
    """This process's resident set, sampled every 50 ms while the block runs."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.05)

    def __enter__(self) -> _PeakRss:
        self.peak = _rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def generated_file(data_dir: Path, rows: int) -> tuple[Path, dict[str, Any]]:
    path = data_dir / f"focus-1.0-{rows}.csv"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, {**json.loads(meta.read_text()), "generated_now": False}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "infrazen_agent.imports.generate", str(path), str(rows), "1.0"],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)
    info["generate_seconds"] = round(time.perf_counter() - t0, 1)
    info["bytes"] = path.stat().st_size
    meta.write_text(json.dumps(info))
    return path, {**info, "generated_now": True}


async def measure(runtime: Runtime, tenant: str, n: int, args: dict[str, dict[str, Any]]) -> dict[str, Any]:
    registry = get_registry()
    counter = iter(range(10**9))
    out: dict[str, Any] = {}
    for name in ANALYTICS:
        samples = []
        for i in range(n + 3):
            ctx = ToolContext(runtime=runtime, principal=Principal(user_id=f"bench-{next(counter)}", tenant_id=tenant))
            t0 = time.perf_counter()
            result = await registry.call(name, args[name], ctx)
            if i >= 3:
                samples.append((time.perf_counter() - t0) * 1000)
            assert result.ok, (name, result.error)
        out[name] = percentiles(samples)
    return out


def _arguments() -> dict[str, dict[str, Any]]:
    return {
        "get_analytics_overview": {"days": 30},
        "get_cost_trends": {"days": 90, "group_by": "service"},
        "get_service_breakdown": {"days": 30},
        "get_provider_breakdown": {"days": 30},
        "get_anomalies": {"days": 90},
    }


async def run(args: argparse.Namespace, path: Path, generated: dict[str, Any]) -> dict[str, Any]:
    data_dir = Path(args.data_dir)
    pg = redis = None
    admin_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not admin_url:
        pg = EmbeddedPostgres(data_dir / "pg")
        admin_url = pg.start()
    if not redis_url:
        redis = EmbeddedRedis(data_dir / "redis")
        redis_url = redis.start()
    name = f"import_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.replace("/postgres?", f"/{name}?") if "/postgres?" in admin_url else admin_url
    try:
        await migrate(url)
        seeded = await seed_database(url)
        settings = Settings(
            _env_file=None,
            database_url=url,
            redis_url=redis_url,  # type: ignore[call-arg]
            agent_service_jwt_secret=SECRET,
            agent_load_demo=False,
            llm_offline=True,
            agent_data_dir=data_dir,
            tool_rate_limits={"*": 100000},
        )
        runtime = Runtime(settings)
        await runtime.ensure_started()
        try:
            principal = Principal(user_id="bench", tenant_id=TENANT, roles=("admin",))
            options = ImportOptions()
            rss_before = _rss_mb()
            job = await create_job(runtime, principal, path.name, options)
            with _PeakRss() as peak:
                t0 = time.perf_counter()
                row = await run_job(runtime, principal, job["id"], path, path.name, options)
                seconds = time.perf_counter() - t0
            assert row["status"] == "imported", row["error"]
            report = row["report"]
            with psycopg.connect(url) as conn:
                conn.execute("ANALYZE")
                lines = conn.execute("SELECT count(*) FROM focus_cost_lines").fetchone()
                rollup = conn.execute(
                    "SELECT count(*) FROM cost_daily_rollup WHERE tenant_id = %s", (TENANT,)
                ).fetchone()
            again_t0 = time.perf_counter()
            again = await run_job(
                runtime,
                principal,
                (await create_job(runtime, principal, path.name, options))["id"],
                path,
                path.name,
                options,
            )
            again_seconds = time.perf_counter() - again_t0
            assert again["report"]["totals"] == report["totals"]
            tool_args = _arguments()
            imported = await measure(runtime, TENANT, args.iterations, tool_args)
            demo = await measure(runtime, DEMO_TENANT, args.iterations, tool_args)
        finally:
            await runtime.stop()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if redis is not None:
            redis.stop()
        if pg is not None:
            pg.stop()
    p50_imported = max(v["p50"] for v in imported.values())
    return {
        "bench": "import_bench",
        "cores": os.cpu_count(),
        "file": {"rows": report["rows_read"], "format": report["format"], **generated},
        "import": {
            "seconds": round(seconds, 2),
            "rows_per_s": round(report["rows_read"] / seconds),
            "peak_rss_mb": round(peak.peak, 1),
            "rss_before_mb": round(rss_before, 1),
            "cost_lines": lines[0] if lines else None,
            "rollup_rows": rollup[0] if rollup else None,
            "target_s": 90,
            "meets_target": seconds < 90,
            "reimport_seconds": round(again_seconds, 2),
            "reimport_same_totals": True,
        },
        "demo_seed_seconds": seeded.seconds,
        "tools_ms": {"imported_tenant": imported, "demo_tenant": demo},
        "analytics_p50_max_ms": {
            "imported": p50_imported,
            "demo": max(v["p50"] for v in demo.values()),
            "target": 50,
            "meets_target": p50_imported < 50,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="FOCUS rows to generate and import")
    parser.add_argument("--iterations", type=int, default=40, help="calls per tool and tenant")
    parser.add_argument("--data-dir", default="/tmp/iza-import-bench", help="embedded servers and the generated file")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    path, generated = generated_file(Path(args.data_dir), args.rows)
    print(json.dumps(asyncio.run(run(args, path, generated)), indent=1))


if __name__ == "__main__":
    main()
