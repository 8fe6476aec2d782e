"""Prometheus metrics of the gateway (no tenant label: tenants live in the Postgres ledger)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LLM_CALLS = Counter("agent_llm_calls_total", "LLM gateway calls", ["model", "scenario", "outcome"])
LLM_TOKENS = Counter("agent_llm_tokens_total", "LLM tokens", ["model", "kind"])
LLM_COST = Counter("agent_llm_cost_usd_total", "LLM spend in USD", ["model", "cost_source"])
LLM_RETRIES = Counter("agent_llm_retries_total", "LLM attempts retried", ["model"])
LLM_FALLBACKS = Counter("agent_llm_fallbacks_total", "LLM calls answered by a fallback model", ["model"])
_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
LLM_TTFT = Histogram("agent_llm_ttft_seconds", "Time to first token", ["model"], buckets=_BUCKETS)
LLM_LATENCY = Histogram("agent_llm_latency_seconds", "Whole call latency", ["model"], buckets=_BUCKETS)
