"""The Grafana dashboard is valid JSON, every panel queries the datasource variable, and every
expression reads only series the service exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.metric_names import exported, used_in

DASHBOARD = Path(__file__).resolve().parents[2] / "infra" / "grafana" / "infrazen-agent.json"


def _panels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for panel in items:
        out.append(panel)
        out += _panels(panel.get("panels", []))
    return out


def test_dashboard_panels_use_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "infrazen-agent" and dashboard["title"]
    panels = [p for p in _panels(dashboard["panels"]) if p["type"] != "row"]
    assert len(panels) >= 20
    assert len({p["id"] for p in _panels(dashboard["panels"])}) == len(_panels(dashboard["panels"]))
    known = exported()
    seen: set[str] = set()
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = used_in(target["expr"]) - {"up"}
            assert used <= known, (panel["title"], used - known)
            seen |= used
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
    # every family the service exports is on the dashboard (what is measured is looked at)
    families = {name.removesuffix(s) for name in known for s in ("_bucket", "_count", "_sum") if name.endswith(s)}
    families |= {name for name in known if not name.endswith(("_bucket", "_count", "_sum"))}
    shown = {name.removesuffix(s) for name in seen for s in ("_bucket", "_count", "_sum") if name.endswith(s)} | seen
    assert families - shown == set()
