"""A chat session: who owns it and what it is about (one recommendation, or an analytics range)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scope = Literal["recommendation", "analytics"]
SESSION_TTL = timedelta(hours=24)
MAX_RANGE_DAYS = 366


def new_session_id() -> str:
    return "cs_" + secrets.token_urlsafe(16)


def new_turn_id() -> str:
    return "turn_" + secrets.token_urlsafe(12)


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(12)


class TimeRange(BaseModel):
    """`{"days": 30}` (ending today) or `{"from": "2025-01-01", "to": "2025-01-31"}` (inclusive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: int | None = Field(default=None, ge=1, le=MAX_RANGE_DAYS)
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _one_form(self) -> TimeRange:
        if self.days is not None and (self.start or self.end):
            raise ValueError("give either days or from/to, not both")
        if self.days is None:
            if not (self.start and self.end):
                raise ValueError("give days, or both from and to")
            if self.end < self.start:
                raise ValueError("to is before from")
            if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
                raise ValueError(f"the range is longer than {MAX_RANGE_DAYS} days")
        return self

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        if self.days is not None:
            end = today or datetime.now(UTC).date()
            return end - timedelta(days=self.days - 1), end
        assert self.start is not None and self.end is not None
        return self.start, self.end

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


@dataclass(frozen=True)
class ChatSession:
    id: str
    tenant_id: str
    user_id: str
    scope: Scope
    recommendation_id: str | None = None
    time_range: dict[str, Any] | None = None
    page_context: dict[str, Any] | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    expires_at: datetime = field(default_factory=lambda: datetime.now(UTC) + SESSION_TTL)

    @property
    def scenario(self) -> str:
        return f"chat_{self.scope}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(UTC)

    def range(self) -> TimeRange | None:
        return TimeRange.model_validate(self.time_range) if self.time_range else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "user_id": self.user_id,
            "scope": self.scope,
            "recommendation_id": self.recommendation_id,
            "time_range": self.time_range,
            "page_context": self.page_context,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatSession:
        return cls(
            id=data["id"],
            tenant_id=data["tenant_id"],
            user_id=data["user_id"],
            scope=data["scope"],
            recommendation_id=data.get("recommendation_id"),
            time_range=data.get("time_range"),
            page_context=data.get("page_context"),
            created_at=datetime.fromisoformat(data["created_at"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )
