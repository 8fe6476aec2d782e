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
# mostrecent: under `serve --workers` the last check any worker made is the state (a worker that
# saw an outage and was not asked since must not keep reporting it).
READY_CHECK = Gauge(
    "agent_dependency_up", "Dependency up (1) or down (0)", ["dependency"], multiprocess_mode="livemostrecent"
)
PII_REDACTIONS = Counter(
    "agent_pii_redactions_total", "Values replaced by a placeholder before a model saw them", ["kind"]
)

# Label sets are bounded: tool names come from the registry (a name the model made up is
# "_unknown"), outcomes and causes from the error vocabulary, caches and surfaces are fixed
# strings. No user id is ever a label; the tenant appears on the budget gauge only, for the
# AGENT_METRICS_TENANTS biggest spenders of the day (scrape.py).
_FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
TOOL_CALLS = Counter(
    "agent_tool_calls_total", "Tool calls by tool and outcome (ok or an error code)", ["tool", "outcome"]
)
TOOL_LATENCY = Histogram("agent_tool_call_seconds", "Tool call latency", ["tool"], buckets=_FAST_BUCKETS)
CACHE_LOOKUPS = Counter(
    "agent_cache_lookups_total", "Cache lookups by cache and result (hit or miss)", ["cache", "result"]
)
# livesum: under `serve --workers` the open connections of the live workers add up.
WS_CONNECTIONS = Gauge(
    "agent_ws_connections", "Open chat WebSocket connections", ["protocol"], multiprocess_mode="livesum"
)
SSE_STREAMS = Gauge("agent_sse_streams", "Open chat Server-Sent Event streams", multiprocess_mode="livesum")
CHAT_TURNS = Counter(
    "agent_chat_turns_total",
    "Chat turns ended, by scope, answer mode and outcome (complete, cancelled, failed, interrupted)",
    ["scope", "mode", "outcome"],
)
CHAT_TURN_LATENCY = Histogram(
    "agent_chat_turn_seconds",
    "Chat turn latency, from its start to its terminal event",
    ["scope"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 180),
)
GROUNDING_CHECKS = Counter(
    "agent_grounding_checks_total",
    "Answers whose figures were checked, by surface and result (chat: traced, revised, flagged;"
    " recommendation_text: traced, rejected)",
    ["surface", "result"],
)
GROUNDING_FLAGS = Counter(
    "agent_grounding_flags_total", "Figures left untraced and marked in what the user sees", ["surface"]
)
