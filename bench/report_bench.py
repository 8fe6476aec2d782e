"""Reports: a whole report for the demo tenant, offline, on the embedded stack — the tool calls,
the report's arithmetic and sections, the HTML page, then the PDF — per persona. The same-run
baseline is the tool calls alone (what the InfraZen app's `POST /v1/reports/data` costs), so the
rest is what making the report adds. Targets: HTML < 5 s, PDF < 10 s. Prints JSON.

    python -m bench.report_bench [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.reports.builder import build
from infrazen_agent.reports.collect import collect
from infrazen_agent.reports.document import PERSONAS
from infrazen_agent.reports.html import render_html
from infrazen_agent.reports.pdf import render_pdf
from infrazen_agent.runtime import Runtime

ANALYST = Principal("bench", "1001", roles=("analyst",))


def _ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


async def main(rounds: int, days: int) -> dict[str, Any]:
    from infrazen_agent.api.tools import on_start as load_demo

    runtime = Runtime(Settings(agent_data_dir=Path(tempfile.mkdtemp(prefix="iza-report-bench-")), llm_offline=True))
    runtime.start_hooks.append(load_demo)
    await runtime.ensure_started()
    try:
        await build(runtime, ANALYST, persona="finops", language="ru", days=days)  # warm: pools, imports
        await render_pdf("<p>warm</p>", max_pages=5)  # WeasyPrint's import and fonts, once per process
        baseline, html_t, pdf_t, sizes = [], [], [], {}
        for _ in range(rounds):
            for persona in PERSONAS:
                t0 = time.perf_counter()
                await collect(runtime, ANALYST, days=days, detail=False)
                baseline.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                report = await build(runtime, ANALYST, persona=persona, language="ru", days=days)
                html = render_html(report)
                html_t.append(time.perf_counter() - t0)
                t1 = time.perf_counter()
                pdf = await render_pdf(html, max_pages=60)
                pdf_t.append(time.perf_counter() - t1 + html_t[-1])
                sizes[persona] = {"html_kb": round(len(html) / 1024, 1), "pdf_kb": round(len(pdf) / 1024, 1)}
        return {
            "tenant": "1001 (demo: 200 resources, 90 days of costs)",
            "days": days,
            "rounds": rounds,
            "baseline_tool_calls_only": _ms(baseline),
            "report_html": _ms(html_t),
            "report_html_and_pdf": _ms(pdf_t),
            "targets": {"html_ms": 5000, "pdf_ms": 10000},
            "met": {"html": max(html_t) < 5, "pdf": max(pdf_t) < 10},
            "sizes": sizes,
        }
    finally:
        await runtime.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=90)
    a = parser.parse_args()
    print(json.dumps(asyncio.run(main(a.rounds, a.days)), indent=2, ensure_ascii=False))
