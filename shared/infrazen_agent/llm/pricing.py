"""The cost of one call in USD: the provider's own figure when it reports one (OpenRouter does),
else the configured price table (`LLM_PRICE_TABLE`, USD per 1M tokens), else LiteLLM's price map,
else 0 marked "unknown" so that the ledger never pretends to know.
"""

from __future__ import annotations

from typing import Any

from .types import Usage


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def table_price(table: dict[str, tuple[float, float]], model: str) -> tuple[float, float] | None:
    # "openrouter/openai/gpt-4o-mini" also matches a table entry "openai/gpt-4o-mini".
    parts = model.split("/")
    for i in range(len(parts)):
        price = table.get("/".join(parts[i:]))
        if price is not None:
            return price
    return None


def resolve_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    *,
    provider_cost: Any,
    litellm_cost: Any,
    table: dict[str, tuple[float, float]],
) -> Usage:
    cost = _number(provider_cost)
    if cost is not None:
        return Usage(prompt_tokens, completion_tokens, cost, "provider")
    price = table_price(table, model)
    if price is not None:
        usd = (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
        return Usage(prompt_tokens, completion_tokens, round(usd, 8), "price_table")
    cost = _number(litellm_cost)
    if cost is not None:
        return Usage(prompt_tokens, completion_tokens, cost, "litellm")
    return Usage(prompt_tokens, completion_tokens, 0.0, "unknown")
