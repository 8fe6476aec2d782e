"""Recommendation text through HTTP on the embedded stack (`infrazen-agent serve` in a subprocess,
demo data loaded), with the scripted LLM server (fixed latency) for the model path.

Reports p50/p95 of: a cache hit; an uncached deterministic text; an uncached text with model
prose, and the same run's direct call to the scripted model (the baseline) — their difference is
the service's overhead over the model's own time. Prints JSON.

    python -m bench.text_bench [--n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.support.llm_server import Reply, ScriptedLLMServer
from tests.support.servers import free_port

SECRET = "bench-secret-0123456789abcdef-0123456789"
MODEL_DELAY_S = 0.05
PROSE = json.dumps({"title": "Act on it", "summary": "Worth it.", "details": "Low effort.", "text": "**Do it.**"})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def stats(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values) * 1000, 2), "p95_ms": pct(values, 0.95), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="iza-tb-", dir="/tmp"))
    llm = ScriptedLLMServer().start()
    llm.default_reply = Reply(text=PROSE, delay_first_token_s=MODEL_DELAY_S)
    port = free_port()
    env = {
        **os.environ,
        "AGENT_DATA_DIR": str(data_dir),
        "AGENT_PORT": str(port),
        "AGENT_SERVICE_JWT_SECRET": SECRET,
        "AGENT_LOAD_DEMO": "true",
        "LLM_API_BASE": llm.url,
        "LLM_API_KEY": "k",
        "LLM_MODEL_TEXT": "openai/scripted-text",
        "LOG_LEVEL": "WARNING",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "infrazen_agent.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {"model_delay_s": MODEL_DELAY_S}
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if c.get("/v1/ready").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            demo = json.loads(
                subprocess.run(
                    [sys.executable, "-m", "infrazen_agent.cli", "demo"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            tenant = demo["tenants"][0]
            rec_ids = [i for info in tenant["recommendations"].values() for i in info["ids"]]
            owner = next(u["id"] for u in tenant["users"] if u["role"] == "admin")
            token = subprocess.run(
                [sys.executable, "-m", "infrazen_agent.cli", "token", "--user", str(owner), "--tenant", tenant["id"]],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            headers = {"Authorization": f"Bearer {token}"}
            cache = redis.Redis(unix_socket_path=str(data_dir.resolve() / "redis" / "redis.sock"))

            def post(body: dict[str, Any]) -> float:
                t0 = time.perf_counter()
                r = c.post("/v1/generate/recommendation-text", json=body, headers=headers)
                elapsed = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                return elapsed

            det = {"recommendation_id": rec_ids[0], "mode": "deterministic"}
            post(det)
            results["cached"] = stats([post(det) for _ in range(args.n)])
            uncached = []
            for i in range(args.n):
                cache.flushdb()  # outside the timing: drops the cached text (and rate-limit counters)
                uncached.append(post({"recommendation_id": rec_ids[i % len(rec_ids)], "mode": "deterministic"}))
            results["uncached_deterministic"] = stats(uncached)
            n_llm = max(20, args.n // 4)
            with_model, direct, det_same = [], [], []
            payload = {"model": "scripted-text", "messages": [{"role": "user", "content": "x"}]}
            model_client = httpx.Client(timeout=10)  # kept open, like the service's own connection
            for i in range(n_llm):
                rec = rec_ids[i % len(rec_ids)]
                cache.flushdb()
                det_same.append(post({"recommendation_id": rec, "language": "en", "mode": "deterministic"}))
                cache.flushdb()
                with_model.append(post({"recommendation_id": rec, "language": "en"}))
                t0 = time.perf_counter()
                model_client.post(f"{llm.url}/chat/completions", json=payload).raise_for_status()
                direct.append(time.perf_counter() - t0)
            model_client.close()
            results["uncached_deterministic_same_recs"] = stats(det_same)
            results["uncached_with_model"] = stats(with_model)
            results["model_direct_baseline"] = stats(direct)
            # Overhead of the model path over the model's own time. It includes gathering the facts,
            # which the deterministic figure of the same requests shows on its own.
            results["model_overhead_p50_ms"] = round(
                results["uncached_with_model"]["p50_ms"] - results["model_direct_baseline"]["p50_ms"], 2
            )
            results["model_overhead_beyond_facts_p50_ms"] = round(
                results["model_overhead_p50_ms"] - results["uncached_deterministic_same_recs"]["p50_ms"], 2
            )
            generators = c.post(
                "/v1/generate/recommendation-text", json={"recommendation_id": rec_ids[0]}, headers=headers
            ).json()["generator"]
            results["model_path_generator"] = generators
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        llm.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    results["targets"] = {"cached_p50_ms": 5, "uncached_deterministic_p50_ms": 50, "model_overhead_p50_ms": 20}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
