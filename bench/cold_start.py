"""Cold start of each function: process start → `/_/ready` answers 200, with Postgres and Redis
already running (as in production), and the process's RSS when ready and a second later.
Baselines from the same run: a bare interpreter, and a bare FastAPI app under uvicorn. Prints JSON.

    python -m bench.cold_start [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/_/ready')\ndef r():\n    return {}\n"


RSS: dict[str, list[float]] = {}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _until_ready(cmd: list[str], cwd: Path, env: dict[str, str], port: int, label: str = "") -> float:
    """Seconds from process start to ready; the process's RSS once ready goes to RSS[label]."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < 120:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_/ready", timeout=1).status_code == 200:
                    took = time.perf_counter() - t0
                    if label:
                        RSS.setdefault(label, []).append(_rss_mb(proc.pid))
                        time.sleep(1.0)  # what start-up left to background threads is loaded by now
                        RSS.setdefault(f"{label}_1s_later", []).append(_rss_mb(proc.pid))
                    return took
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited with {proc.returncode}")
            time.sleep(0.01)
        raise RuntimeError("not ready in 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _import_seconds(env: dict[str, str], module_dir: Path) -> float:
    code = "import time,sys; t=time.perf_counter(); sys.path.insert(0, '.'); import main; print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=module_dir, env=env, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="iza-b-", dir="/tmp"))
    pg, redis = EmbeddedPostgres(root / "pg"), EmbeddedRedis(root / "redis")
    env = {
        **os.environ,
        "DATABASE_URL": pg.start(),
        "REDIS_URL": redis.start(),
        "AGENT_DATA_DIR": str(root / "data"),
        "AGENT_LOAD_DEMO": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    results: dict[str, object] = {"runs": args.runs}
    try:
        # Warm the OS page cache and apply migrations once, so every run measures the same thing.
        warm = free_port()
        _until_ready(_uvicorn(warm), ROOT / "functions" / "health", env, warm)
        bare_dir = root / "bare"
        bare_dir.mkdir()
        (bare_dir / "main.py").write_text(BARE_APP)
        baselines = {
            "python_interpreter_s": [_interpreter() for _ in range(args.runs)],
            "bare_fastapi_uvicorn_s": [
                _until_ready(_uvicorn(p := free_port()), bare_dir, env, p, "bare") for _ in range(args.runs)
            ],
        }
        results["baseline"] = {k: round(statistics.median(v), 3) for k, v in baselines.items()}
        functions: dict[str, dict[str, float]] = {}
        for name in ("health", "upload", "generate_text", "chat"):
            folder = ROOT / "functions" / name
            ready = [_until_ready(_uvicorn(p := free_port()), folder, env, p, name) for _ in range(args.runs)]
            functions[name] = {
                "start_to_ready_s": round(statistics.median(ready), 3),
                "import_s": round(statistics.median(_import_seconds(env, folder) for _ in range(args.runs)), 3),
            }
            if name in ("generate_text", "chat"):
                # Production: a model is configured, so start-up loads the gateway (and LiteLLM).
                online = {
                    **env,
                    "LLM_API_BASE": "http://127.0.0.1:9/v1",
                    "LLM_API_KEY": "unused",
                    "LLM_MODEL_TEXT": "openai/m",
                    "LLM_MODEL_VISION": "openai/m",
                }
                label = f"{name}_online"
                ready = [_until_ready(_uvicorn(p := free_port()), folder, online, p, label) for _ in range(args.runs)]
                functions[name]["start_to_ready_online_s"] = round(statistics.median(ready), 3)
        results["functions"] = functions
        results["rss_mb_when_ready"] = {k: round(statistics.median(v), 1) for k, v in RSS.items()}
    finally:
        redis.stop()
        pg.stop()
    print(json.dumps(results, indent=2))


def _uvicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port), "--log-level", "warning"]


def _interpreter() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
