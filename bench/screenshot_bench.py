"""Screenshots: OCR + reconciliation of a 1280×800 billing screenshot through the audited tool
(upload → Tesseract → layout rules → reconciliation with the tenant's data), on the embedded
stack with the demo data. Each round reads a fresh image (one line changed, so no cache helps);
the same-run baseline is the same tool call answered from the reading cache (reconciliation and
the tool's own overhead, no OCR). Also the OCR accuracy over every layout and language and a JPEG.
Prints JSON.

    python -m bench.screenshot_bench [--rounds 20]
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
from infrazen_agent.data.source import get_source
from infrazen_agent.runtime import Runtime
from infrazen_agent.screenshots.samples import LAYOUTS, bill_from_data, encode, render
from infrazen_agent.tools import ToolContext, get_registry
from infrazen_agent.uploads import store_upload

OWNER = Principal("1001", "1001", roles=("analyst",))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def main(rounds: int) -> dict[str, Any]:
    from infrazen_agent.api.tools import on_start as load_demo

    data_dir = Path(tempfile.mkdtemp(prefix="iza-shot-bench-"))
    runtime = Runtime(Settings(agent_data_dir=data_dir, upload_user_per_minute=10_000, upload_tenant_per_minute=10_000))
    runtime.start_hooks.append(load_demo)
    await runtime.ensure_started()
    registry = get_registry()
    ctx = ToolContext(runtime=runtime, principal=OWNER, admitted=True)
    try:
        source = get_source(runtime)
        bill = await bill_from_data(source, OWNER, "selectel")

        async def call(image: bytes) -> tuple[float, dict[str, Any]]:
            record = await store_upload(runtime, OWNER, "bill.png", image)
            t0 = time.perf_counter()
            result = await registry.call("reconcile_screenshot", {"upload_id": record.upload_id}, ctx)
            assert result.ok and result.data is not None, result.error
            return time.perf_counter() - t0, result.data

        await call(encode(render(bill.edited(0, bill.lines[0][1] + 0.5))))  # warm: engines loaded
        fresh, cached, verdicts = [], [], []
        for i in range(rounds):
            image = encode(render(bill.edited(1, bill.lines[1][1] + i + 1), "console", "ru"))
            took, out = await call(image)
            fresh.append(took)
            verdicts.append(out["verdict"])
            took, _ = await call(image)  # the same image again: the reading is cached
            cached.append(took)
        wanted = exact = 0
        for provider in ("selectel", "yandex", "beget"):
            b = await bill_from_data(source, OWNER, provider)
            cases = [(lay, lang, "PNG") for lay in LAYOUTS for lang in ("ru", "en")] + [("console", "ru", "JPEG")]
            for layout, lang, fmt in cases:
                _, out = await call(encode(render(b, layout, lang), fmt, 60))
                got = [i["screenshot"]["amount"] for i in out["items"]]
                got += [out["total"]["screenshot"]["amount"]] if out["total"] else []
                truth = [a for _, a in b.lines] + [b.total]
                wanted += len(truth)
                exact += sum(1 for a in truth if a in got)
        return {
            "image": "1280x800 PNG, console layout, ru",
            "rounds": rounds,
            "ocr_and_reconcile_ms": {
                "p50": _pct(fresh, 0.5),
                "p95": _pct(fresh, 0.95),
                "mean": round(statistics.mean(fresh) * 1000, 1),
            },
            "baseline_cached_reading_ms": {"p50": _pct(cached, 0.5), "p95": _pct(cached, 0.95)},
            "ocr_share_ms_p50": round(_pct(fresh, 0.5) - _pct(cached, 0.5), 1),
            "edited_line_caught": sum(v == "differs" for v in verdicts) / len(verdicts),
            "accuracy": {"amounts": wanted, "exact": exact, "rate": round(exact / wanted, 4), "images": 21},
            "target_p50_ms": 1500,
        }
    finally:
        await runtime.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    print(json.dumps(asyncio.run(main(parser.parse_args().rounds)), indent=2))
