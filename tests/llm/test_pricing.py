"""Cost resolution order: provider figure, price table (USD per 1M tokens), LiteLLM map, then the
default price from the tokens ("estimated", never 0)."""

from __future__ import annotations

import pytest

from infrazen_agent.llm.pricing import resolve_cost

TABLE = {"openai/gpt-4o-mini": (0.15, 0.60)}


def test_provider_cost_wins() -> None:
    u = resolve_cost("openrouter/openai/gpt-4o-mini", 100, 10, provider_cost=0.5, litellm_cost=9, table=TABLE)
    assert (u.cost_usd, u.cost_source) == (0.5, "provider")


def test_price_table_matches_the_model_with_or_without_its_router_prefix() -> None:
    u = resolve_cost(
        "openrouter/openai/gpt-4o-mini",
        1_000_000,
        2_000_000,
        provider_cost=None,
        litellm_cost=None,
        table=TABLE,
    )
    assert (u.cost_usd, u.cost_source) == (pytest.approx(1.35), "price_table")


def test_litellm_then_estimated_and_bad_numbers_ignored() -> None:
    u = resolve_cost("x/y", 1, 1, provider_cost=-1, litellm_cost=0.25, table={})
    assert (u.cost_usd, u.cost_source) == (0.25, "litellm")
    u = resolve_cost("x/y", 1_000, 2_000, provider_cost="1.0", litellm_cost=True, table={}, default_price=(3.0, 15.0))
    assert (u.cost_usd, u.cost_source) == (pytest.approx(0.033), "estimated")


def test_nothing_to_price_stays_zero_and_unknown() -> None:
    u = resolve_cost("x/y", 0, 0, provider_cost=None, litellm_cost=None, table={}, default_price=(3.0, 15.0))
    assert (u.cost_usd, u.cost_source) == (0.0, "unknown")
