"""The LLM gateway's own overhead: the same scripted OpenAI-compatible server called directly with
httpx (the baseline) and through the gateway (budget + cooldown check in Redis, LiteLLM, retries
and timeouts, tool-call assembly, ledger row in Postgres), interleaved in the same run. LiteLLM
called bare is measured too, to tell its share from ours. Prints JSON.

    python -m bench.llm_gateway_bench [--n 200] [--chunks 25]

The scripted server runs in its own process (as a real provider would), so its work does not
compete with the client for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from infrazen_agent.config import Settings
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from infrazen_agent.llm import CallMeta, TextDelta, get_gateway, load_litellm
from infrazen_agent.runtime import Runtime
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [
    {"role": "system", "content": "You are a FinOps assistant."},
    {"role": "user", "content": "What drives my compute cost this month?"},
]
META = CallMeta(tenant_id="bench", user_id="bench", scenario="bench")
_SERVER = """
import uvicorn
from tests.support.llm_server import Reply, ScriptedLLMServer
s = ScriptedLLMServer()
s.default_reply = Reply(text={text!r}, chunk_size=8, usage=(120, 60), cost=0.0001)
uvicorn.run(s.app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


async def _timed(fn: Callable[[], Awaitable[float | None]]) -> float:
    t0 = time.perf_counter()
    mark = await fn()
    return (mark if mark is not None else time.perf_counter()) - t0


def _start_server(port: int, chunks: int) -> subprocess.Popen[bytes]:
    text = ("Compute is 61% of this month's spend. " * (chunks // 4 + 1))[: chunks * 8]
    server = subprocess.Popen([sys.executable, "-c", _SERVER.format(text=text, port=port)], cwd=ROOT)
    for _ in range(500):
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.02)
    server.terminate()
    raise RuntimeError("the scripted server did not start")


async def run(settings: Settings, n: int) -> dict[str, Any]:
    base = settings.llm_api_base
    runtime = await Runtime(settings).ensure_started()
    try:
        gateway = get_gateway(runtime)
        litellm = load_litellm()
        client = httpx.AsyncClient(timeout=30)
        body = {"model": "scripted-text", "messages": MESSAGES}

        async def direct_complete() -> None:
            r = await client.post(f"{base}/chat/completions", json=body)
            r.json()["choices"][0]["message"]["content"]

        async def direct_ttft() -> float | None:
            t = None
            stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
            async with client.stream("POST", f"{base}/chat/completions", json=stream_body) as r:
                async for line in r.aiter_lines():
                    if (
                        t is None
                        and line.startswith("data: {")
                        and '"content": "' in line
                        and '"content": ""' not in line
                    ):
                        t = time.perf_counter()
            return t

        async def gateway_complete() -> None:
            await gateway.complete(MESSAGES, meta=META)

        async def gateway_ttft() -> float | None:
            t = None
            async for event in gateway.stream(MESSAGES, meta=META):
                if t is None and isinstance(event, TextDelta):
                    t = time.perf_counter()
            return t

        async def litellm_complete() -> None:
            await litellm.acompletion(
                model="openai/scripted-text",
                messages=MESSAGES,
                api_base=base,
                api_key="bench",
                timeout=30,
                max_retries=0,
            )

        async def litellm_ttft() -> float | None:
            t = None
            response = await litellm.acompletion(
                model="openai/scripted-text",
                messages=MESSAGES,
                api_base=base,
                api_key="bench",
                timeout=30,
                max_retries=0,
                stream=True,
            )
            async for chunk in response:
                if t is None and chunk.choices and chunk.choices[0].delta.content:
                    t = time.perf_counter()
            return t

        cases: dict[str, Callable[[], Awaitable[float | None]]] = {
            "direct_complete": direct_complete,
            "gateway_complete": gateway_complete,
            "litellm_complete": litellm_complete,
            "direct_ttft": direct_ttft,
            "gateway_ttft": gateway_ttft,
            "litellm_ttft": litellm_ttft,
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(n + 20):  # interleaved, so that machine noise hits every case alike
            for name, fn in cases.items():
                took = await _timed(fn)
                if i >= 20:  # warm-up: connection pools, LiteLLM's lazy imports
                    samples[name].append(took)
        await client.aclose()
        await gateway.flush()
        result: dict[str, Any] = {name: _stats(s) for name, s in samples.items()}
        result["overhead_p50_ms"] = {
            "complete": round(result["gateway_complete"]["p50_ms"] - result["direct_complete"]["p50_ms"], 3),
            "ttft": round(result["gateway_ttft"]["p50_ms"] - result["direct_ttft"]["p50_ms"], 3),
            "litellm_alone_complete": round(
                result["litellm_complete"]["p50_ms"] - result["direct_complete"]["p50_ms"], 3
            ),
            "litellm_alone_ttft": round(result["litellm_ttft"]["p50_ms"] - result["direct_ttft"]["p50_ms"], 3),
        }
        result["target_ms"] = 5.0
        async with runtime.pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) AS c FROM llm_calls WHERE outcome = 'ok'")
            row = await cur.fetchone()
        result["ledger_rows_ok"] = row["c"] if row else 0
        return result
    finally:
        await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="measured calls per case")
    parser.add_argument("--chunks", type=int, default=25, help="content chunks per streamed answer")
    args = parser.parse_args()
    port = free_port()
    server = _start_server(port, args.chunks)
    tmp = Path(tempfile.mkdtemp(prefix="iza-b-", dir="/tmp"))
    pg, rd = EmbeddedPostgres(tmp / "pg"), EmbeddedRedis(tmp / "rd")
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=pg.start(),
            redis_url=rd.start(),
            agent_data_dir=tmp / "data",
            agent_service_jwt_secret="bench-secret-0123456789abcdef-0123456789",
            llm_offline=False,
            llm_api_base=f"http://127.0.0.1:{port}/v1",
            llm_api_key="bench",
            llm_model_text="openai/scripted-text",
            llm_fallback_models=["openai/scripted-fallback"],
            tenant_daily_budget_usd=1e9,
            user_requests_per_minute=0,
        )
        result = asyncio.run(run(settings, args.n))
    finally:
        server.terminate()
        server.wait(timeout=10)
        rd.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    result |= {"n": args.n, "stream_chunks": args.chunks}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
