"""Request and response of `POST /v1/generate/recommendation-text`, and the facts behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ..data.money import Money

Language = Literal["ru", "en"]


class TextRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"recommendation_id": 42, "language": "ru"},
                {"resource_id": 7, "target_provider": "beget", "language": "en"},
            ]
        },
    )

    recommendation_id: int | None = Field(default=None, ge=1)
    resource_id: int | None = Field(default=None, ge=1)
    target_provider: str | None = Field(default=None, max_length=40)
    candidate_skus: list[str] | None = Field(default=None, max_length=20)
    language: Language | None = None
    mode: Literal["auto", "deterministic"] = "auto"

    @model_validator(mode="after")
    def _one_subject(self) -> TextRequest:
        if (self.recommendation_id is None) == (self.resource_id is None):
            raise ValueError("give recommendation_id, or resource_id (optionally with target_provider/candidate_skus)")
        if self.recommendation_id is not None and (self.target_provider or self.candidate_skus):
            raise ValueError("target_provider and candidate_skus go with resource_id only")
        return self


class Effort(BaseModel):
    score: int = Field(ge=1, le=5)
    label: str
    factors: list[str]
    estimated_hours: int | None = None
    # The factors as the tool gave them (English, structured), for rendering in the reader's language.
    _tool_factors: list[dict[str, Any]] = PrivateAttr(default_factory=list)


class Risk(BaseModel):
    level: Literal["low", "medium", "high"]
    label: str = Field(default="", description="the level in the text's language (as effort.label)")
    kind: str
    text: str


class RiskFact(BaseModel):
    """A risk as a fact (kind + the number or name behind it); templates word it per language."""

    level: Literal["low", "medium", "high"]
    kind: str
    value: float | int | str | None = None


class Facts(BaseModel):
    """Everything a text may say, gathered through tools and computed deterministically.

    This is also exactly what the model sees when it writes prose: numbers outside it fail the
    checker."""

    rec_type: str
    recommendation_id: int | None
    resource_id: int
    resource_name: str
    resource_type: str
    provider: str
    provider_name: str
    region: str
    spec_text: str
    current_monthly: Money
    target_monthly: Money
    monthly_savings: Money
    yearly_savings: Money
    savings_percent: float
    target_provider: str | None = None
    target_provider_name: str | None = None
    target_sku: str | None = None
    target_region: str | None = None
    target_quantity: float | None = None
    cpu_avg_pct: float | None = None
    cpu_p95_pct: float | None = None
    ram_p95_pct: float | None = None
    snapshot_window_days: int | None = None
    projected_cpu_p95_pct: float | None = None
    age_days: int | None = None
    days_unused: int | None = None
    confidence: float
    confidence_label: str
    effort: Effort
    risks: list[RiskFact]
    formula: str
    evidence: dict[str, Any]
    catalog_version: str | None = None
    # The resource's spec as the tools gave it, for `spec_text` in the reader's language.
    _spec: dict[str, Any] = PrivateAttr(default_factory=dict)


class TextUsage(BaseModel):
    """What the model calls behind a text cost (each is also a row of the usage ledger)."""

    model_calls: int = Field(description="calls made (the answer, plus a corrective retry if one was needed)")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    estimated: bool = Field(
        description="part of the cost is estimated: tokens at the default price, for a model without a known price"
    )
    cost_sources: list[str] = Field(description="provider | price_table | litellm | estimated, per call")
    latency_ms: float = Field(description="time spent in model calls, summed")


class TextResponse(BaseModel):
    recommendation_id: int | None
    resource_id: int
    title: str
    summary: str
    details: str
    how_calculated: str
    monthly_savings: Money
    yearly_savings: Money
    savings_percent: float
    effort: Effort
    risks: list[Risk]
    next_steps: list[str]
    confidence: float
    text: str = Field(description="markdown")
    short_description_html: str = Field(description="≤ ~80 visible characters; <strong> and provider-name spans only")
    detailed_description_html: str = Field(description="≤ ~300 visible characters; same allow-list")
    language: Language
    generator: Literal["deterministic", "llm"]
    model: str | None
    mode: Literal["online", "offline"]
    cached: bool
    facts_version: str
    generated_at: datetime
    grounding: dict[str, Any] | None = Field(
        default=None, description="for model prose: the numbers found and the facts they trace to"
    )
    usage: TextUsage | None = Field(
        default=None,
        description="tokens, cost and latency of the model calls that wrote this text (null: none was called); "
        "on a cached answer, those of the generation cached — this request called no model",
    )
