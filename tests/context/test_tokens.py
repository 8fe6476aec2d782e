"""The token estimator against a real BPE tokenizer (cl100k_base, bundled with LiteLLM)."""

from __future__ import annotations

import json

import pytest

from infrazen_agent.context.tokens import estimate_tokens
from tests.support.tokenizer import cl100k as real_tokenizer

SAMPLES = [
    json.dumps(
        {
            "recommendation": {
                "id": 123,
                "title": "Перенос сервера web-1 в Yandex Cloud",
                "savings_monthly": 2136.0,
                "currency": "RUB",
            },
            "resource": {
                "name": "web-1",
                "spec": {"vcpu": 4, "ram_gb": 8, "disk_gb": 80},
                "monthly_cost": 5236.0,
                "currency": "RUB",
            },
            "alternatives": [
                {
                    "provider": "yandex",
                    "sku": "s2.medium",
                    "region": "ru-central1",
                    "monthly_price": 3100.5,
                    "parity": 0.93,
                }
            ]
            * 5,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ),
    "You are a senior FinOps engineer with deep sysadmin experience. Be concise and actionable.",
    "Экономия составит около 2 136 рублей в месяц при переносе на другой тариф провайдера.",
    json.dumps({"trend": [[f"2025-01-{i:02d}", 4000 + i * 13.5] for i in range(1, 29)]}),
]


@pytest.fixture(scope="module")
def cl100k() -> object:
    return real_tokenizer()


@pytest.mark.parametrize("text", SAMPLES)
def test_estimate_is_close_to_a_real_tokenizer(text: str, cl100k: object) -> None:
    real = len(cl100k.encode(text))  # type: ignore[attr-defined]
    estimate = estimate_tokens(text)
    assert 0.7 * real <= estimate <= 1.35 * real, (estimate, real)


def test_empty_and_growth() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("word " * 100) > estimate_tokens("word " * 10) > 0
