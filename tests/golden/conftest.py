"""The golden set runs on the demo dataset (the data layer's seeded clone); its accuracy per set is
printed at the end of the test run, so CI's log shows it."""

from __future__ import annotations

import json
from typing import Any

from tests.chat.seeded import database_url

__all__ = ["database_url"]

RESULTS: dict[str, dict[str, Any]] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.section("golden questions (offline chat)")
    for name, summary in sorted(RESULTS.items()):
        per_type = {t: v["accuracy"] for t, v in summary["per_type"].items()}
        line = {k: summary[k] for k in ("questions", "accuracy", "figures_expected", "figures_right", "figures_wrong")}
        terminalreporter.write_line(f"{name}: {json.dumps(line)}")
        terminalreporter.write_line(f"  per type: {json.dumps(per_type)}")
