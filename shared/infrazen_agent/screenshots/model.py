"""What is read off a screenshot: one typed result whatever read it (Tesseract or a vision model).

Every figure keeps its confidence (0..1): the reconciliation and the answer treat a figure read
with low confidence as a reading, not a fact about the bill.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

ScreenKind = Literal["invoice", "billing_console", "cost_chart", "metrics_graph", "terminal", "other"]
TotalRole = Literal["total", "subtotal", "vat", "due"]
Confidence = Field(default=0.5, ge=0.0, le=1.0)


class Period(BaseModel):
    start: date | None = None
    end: date | None = None
    text: str = Field(default="", max_length=120, description="as written on the screen")
    confidence: float = Confidence


class Figure(BaseModel):
    label: str = Field(max_length=200)
    amount: float
    currency: str | None = Field(default=None, description="ISO code: RUB, USD, EUR")
    confidence: float = Confidence


class Total(Figure):
    role: TotalRole = "total"


class LineItem(Figure):
    quantity: float | None = None
    unit: str | None = Field(default=None, max_length=20, description="of the quantity: h, GB, pcs")


class Utilisation(BaseModel):
    metric: Literal["cpu", "ram", "disk", "network", "other"]
    label: str = Field(default="", max_length=200)
    value: float
    unit: str = "%"
    confidence: float = Confidence


class ScreenContent(BaseModel):
    """The part a reader fills (also the JSON schema a vision model answers with)."""

    kind: ScreenKind = "other"
    kind_confidence: float = Confidence
    provider: str | None = Field(default=None, max_length=60, description="the cloud provider as named on the screen")
    provider_confidence: float = Confidence
    account: str | None = Field(default=None, max_length=120, description="account, project or contract shown")
    period: Period | None = None
    currency: str | None = None
    totals: list[Total] = Field(default_factory=list, max_length=20)
    line_items: list[LineItem] = Field(default_factory=list, max_length=200)
    utilisation: list[Utilisation] = Field(default_factory=list, max_length=50)


class Extraction(ScreenContent):
    reader: Literal["ocr", "vision"]
    model: str | None = None  # the vision model, or the OCR engine and its languages
    provider_key: str | None = None  # ours ("selectel"), when the provider is one we know
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)

    def main_total(self) -> Total | None:
        """The amount the screen bills: "due" over "total" (a VAT line is a part, not the total)."""
        for role in ("due", "total"):
            found = [t for t in self.totals if t.role == role]
            if found:
                return max(found, key=lambda t: t.amount)
        return None
