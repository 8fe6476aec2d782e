"""Offline intent router: accuracy per intent on the labelled sets (tests/chat/data/) and the
router's own time per question. Prints JSON.

    .venv/bin/python -m bench.intent_eval
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from infrazen_agent.chat.intents import route

DATA = Path(__file__).resolve().parent.parent / "tests" / "chat" / "data"


def main() -> None:
    report: dict[str, object] = {}
    for path in sorted(DATA.glob("intent_questions*.json")):
        rows = json.loads(path.read_text(encoding="utf-8"))
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        times = []
        for row in rows:
            t0 = time.perf_counter()
            got = route(row["scope"], row["q"]).names[0]
            times.append((time.perf_counter() - t0) * 1e6)
            key = f"{row['scope']}/{row['intent']}"
            per[key][1] += 1
            per[key][0] += got == row["intent"]
        hits = sum(h for h, _ in per.values())
        report[path.stem] = {
            "questions": len(rows),
            "accuracy": round(hits / len(rows), 3),
            "per_intent": {k: f"{h}/{t}" for k, (h, t) in sorted(per.items())},
            "route_us_p50": round(statistics.median(times), 1),
        }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
