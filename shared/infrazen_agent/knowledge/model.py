"""What a knowledge search returns: cited passages (source, title, date, snippet, score)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

SourceKind = Literal["guide", "report", "recommendation_text"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("guide", "report", "recommendation_text")
Mode = Literal["hybrid", "full_text", "vector"]


class Passage(BaseModel):
    passage_id: str = Field(description="stable id of the passage: '<source id>#<section>'")
    source_kind: SourceKind
    source_id: str
    title: str  # the heading path: "Selectel › Egress"
    language: str
    date: date | None  # the content's date (a report's data date, a guide's revision)
    scope: Literal["global", "tenant"]  # the curated base, or this tenant's own document
    snippet: str
    score: float  # fused rank score: higher is better; comparable within one answer only


class KnowledgeOut(BaseModel):
    query: str
    mode: Mode  # how the passages were ranked
    passages: list[Passage]
