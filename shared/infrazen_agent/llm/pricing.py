"""The cost of one call in USD: the provider's own figure when it reports one (OpenRouter does),
else the configured price table (`LLM_PRICE_TABLE`, USD per 1M tokens), else LiteLLM's price map,
else the tokens at the default price (`LLM_DEFAULT_PRICE_PER_MTOK_IN/OUT`) marked "estimated":
an unpriced model is never booked as free, so the daily budget counts it too.
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
    default_price: tuple[float, float] = (0.0, 0.0),
) -> Usage:
    cost = _number(provider_cost)
    if cost is not None:
        return Usage(prompt_tokens, completion_tokens, cost, "provider")
    price = table_price(table, model)
    if price is not None:
        return Usage(prompt_tokens, completion_tokens, _at(price, prompt_tokens, completion_tokens), "price_table")
    cost = _number(litellm_cost)
    if cost is not None:
        return Usage(prompt_tokens, completion_tokens, cost, "litellm")
    if not (prompt_tokens or completion_tokens):
        return Usage(0, 0, 0.0, "unknown")  # nothing reported to price (e.g. a refused request)
    return Usage(prompt_tokens, completion_tokens, _at(default_price, prompt_tokens, completion_tokens), "estimated")


def _at(price: tuple[float, float], prompt_tokens: int, completion_tokens: int) -> float:
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 8)
