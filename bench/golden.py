"""Golden questions: the assistant's accuracy on questions with known answers. Prints JSON (and
writes it to --out).

    .venv/bin/python -m bench.golden [--out golden.json] [--set questions --set questions_blind]

Set-up: embedded Postgres and Redis, the demo dataset (fixed end day, as in the tests) and the
FinOps Foundation's FOCUS sample imported for tenant "acme"; the chat service under uvicorn; each
question asked over its real HTTP + WebSocket path. Expected figures are computed independently
of the service (tests/golden/expected.py: plain SQL over the base tables, SQLite over the CSV,
numpy for the forecast). Modes:

- offline: always (no model; the answer assembled from tools).
- model: when the environment configures one (LLM_API_BASE / OPENROUTER_API_KEY / … as in
  config.agent.env.sample) — the same questions through the configured model, with its tokens
  and cost per answer.

Per mode: accuracy (every expected figure present and right), figures wrong / missing, figures
the number checker could not trace, latency p50/p95, tokens and cost; per question type and
language; and every answer with its verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from infrazen_agent.config import Settings
from infrazen_agent.data.loader import seed_database
from infrazen_agent.db import migrate
from infrazen_agent.embedded import EmbeddedPostgres, EmbeddedRedis
from infrazen_agent.runtime import Runtime
from tests.chat.clients import running_chat
from tests.golden.runner import SETS, facts_of, load_questions, run
from tests.imports.conftest import SAMPLE, SAMPLE_TENANT, run_import
from tests.support.data_fixtures import DEMO_END_DAY

SECRET = "bench-secret-0123456789abcdef-0123"


async def _prepare(settings: Settings) -> None:
    await migrate(settings.database_url)
    await seed_database(settings.database_url, end_day=DEMO_END_DAY)
    runtime = await Runtime(settings).ensure_started()
    try:
        view = await run_import(runtime, SAMPLE_TENANT, SAMPLE)
        assert view["status"] == "imported", view
    finally:
        await runtime.stop()


async def _mode(settings: Settings, sets: list[str]) -> dict[str, Any]:
    facts = facts_of(settings.database_url)
    out: dict[str, Any] = {}
    with running_chat(settings) as chat:
        for name in sets:
            t0 = time.perf_counter()
            report = await run(chat, facts, load_questions(name))
            report["summary"]["wall_s"] = round(time.perf_counter() - t0, 2)
            out[name] = report
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="", help="also write the full report here")
    parser.add_argument("--set", action="append", choices=SETS, help="question sets (default: all)")
    parser.add_argument("--answers", action="store_true", help="keep every answer's text in the printed JSON")
    args = parser.parse_args()
    sets = args.set or list(SETS)
    tmp = Path(tempfile.mkdtemp(prefix="iza-golden-"))
    pg, redis = EmbeddedPostgres(tmp / "pg"), EmbeddedRedis(tmp / "redis")
    try:
        env = Settings()  # type: ignore[call-arg]  # the environment's model settings, if any
        base = {
            "database_url": pg.start(),
            "redis_url": redis.start(),
            "agent_service_jwt_secret": SECRET,
            "agent_load_demo": False,
            "agent_data_dir": tmp / "data",
            "tool_rate_limits": {"*": 0},
        }
        offline = Settings(_env_file=None, llm_offline=True, **base)  # type: ignore[call-arg]
        asyncio.run(_prepare(offline))
        report: dict[str, Any] = {"modes": {"offline": asyncio.run(_mode(offline, sets))}}
        if env.llm_configured:
            online = Settings(**base, llm_offline=False)  # type: ignore[arg-type]  # the model from the environment
            report["modes"]["model"] = asyncio.run(_mode(online, sets))
            report["model"] = online.llm_model_text or online.llm_provider
        else:
            report["model"] = None  # no model configured: offline only
        if args.out:
            Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if not args.answers:
            for sets_of_mode in report["modes"].values():
                for one in sets_of_mode.values():
                    for r in one["results"]:
                        r.pop("answer", None)
        printed = {
            "model": report["model"],
            "summary": {mode: {n: s["summary"] for n, s in v.items()} for mode, v in report["modes"].items()},
            "misses": {
                mode: [
                    {k: r[k] for k in ("id", "question", "wrong", "missing")}
                    for s in v.values()
                    for r in s["results"]
                    if not r["correct"]
                ]
                for mode, v in report["modes"].items()
            },
        }
        print(json.dumps(printed, ensure_ascii=False, indent=1))
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
