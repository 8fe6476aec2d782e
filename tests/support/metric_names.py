"""Every series name the service exports (counters' `_total`, histograms' `_bucket`/`_count`/
`_sum`, gauges, the scrape-time gauges), read from the metric objects themselves, and the
`agent_*` names a PromQL expression uses."""

from __future__ import annotations

import importlib
import re

from prometheus_client import REGISTRY
from prometheus_client.registry import Collector

from infrazen_agent import live_gauges

_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum"),
    "gauge": ("",),
}


def exported() -> set[str]:
    for module in ("app", "metrics", "llm.metrics"):  # each defines (or registers) its metrics on import
        importlib.import_module(f"infrazen_agent.{module}")
    names: set[str] = set()
    collectors: list[Collector] = [live_gauges.BUDGET]
    live_gauges.BUDGET.cap_usd = 0.0  # so that the cap family is collected too
    families = [f for c in collectors for f in c.collect()] + list(REGISTRY.collect())
    for family in families:
        if family.name.startswith("agent_"):
            names |= {family.name + suffix for suffix in _SUFFIXES[family.type]}
    return names


def used_in(expr: str) -> set[str]:
    """The agent's series an expression reads (label names and values are skipped)."""
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_strings = re.sub(r'"[^"]*"', "", without_labels)
    return set(re.findall(r"\bagent_[a-z0-9_]+\b", without_strings))
