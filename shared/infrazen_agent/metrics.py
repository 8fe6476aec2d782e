"""Prometheus metrics (one registry per process; `/metrics` exposes it)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("agent_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "agent_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
READY_CHECK = Gauge("agent_dependency_up", "Dependency up (1) or down (0)", ["dependency"])
PII_REDACTIONS = Counter(
    "agent_pii_redactions_total", "Values replaced by a placeholder before a model saw them", ["kind"]
)
