"""The number checker's cost: a 2,000-character answer against 300 typed facts (p50 target < 2 ms),
beside a same-run baseline (the claim extractor alone, and Babel's parse_decimal on the same
figures when Babel is installed). Prints JSON.

    python -m bench.grounding_bench [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from infrazen_agent.agent.grounding import Fact, FactIndex, extract_claims, trace


def _facts(n: int) -> list[Fact]:
    rnd = random.Random(7)
    kinds = [("money", "RUB", "month"), ("money", "RUB", "year"), ("percent", "%", None), ("size", "GB", None)]
    out = []
    for i in range(n):
        kind, unit, period = kinds[i % len(kinds)]
        out.append(Fact(round(rnd.uniform(1, 300_000), 2), kind, f"fact.{i}", unit, period))  # type: ignore[arg-type]
    return out


def _answer(facts: list[Fact]) -> str:
    parts = []
    for f in facts[:40]:
        if f.kind == "money":
            parts.append(f"Сейчас {f.value:,.2f} ₽/мес, ".replace(",", "\u00a0").replace(".", ","))
        elif f.kind == "percent":
            parts.append(f"это {f.value:.1f} % от текущей стоимости; ")
        else:
            parts.append(f"диск {f.value:.0f} ГБ. ")
    text = "".join(parts)
    return (text * (2000 // len(text) + 1))[:2000]


def _time(fn, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3), "p95_ms": round(samples[int(0.95 * len(samples))], 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    n = ap.parse_args().n
    facts = _facts(300)
    text = _answer(facts)
    idx = FactIndex(facts)
    result: dict[str, object] = {
        "chars": len(text),
        "facts": len(facts),
        "claims": len(extract_claims(text)),
        "trace_with_index_build": _time(lambda: trace(text, facts), n),
        "trace_prebuilt_index": _time(lambda: trace(text, idx), n),
        "baseline_extract_only": _time(lambda: extract_claims(text), n),
    }
    try:
        from babel.numbers import parse_decimal

        figures = [c.text.split("\u00a0₽")[0].split(" ")[0] for c in extract_claims(text)]
        result["baseline_babel_parse_decimal_same_figures"] = _time(
            lambda: [parse_decimal(f, locale="ru", strict=False) for f in figures], n // 4
        )
    except ImportError:
        result["baseline_babel_parse_decimal_same_figures"] = "babel not installed"
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
