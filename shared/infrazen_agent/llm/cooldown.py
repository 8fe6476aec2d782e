"""Cooldown of failing models, in Redis (one replica's failures spare the others the wait) and
mirrored in process so that `mode` can be answered without I/O."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis


def _key(model: str) -> str:
    return f"llm:cooldown:{model}"


class Cooldowns:
    def __init__(self, redis: aioredis.Redis, seconds: float):
        self.redis = redis
        self.seconds = seconds
        self._until: dict[str, float] = {}  # model -> time.monotonic() when usable again

    def queue_read(self, pipe: Any, models: Sequence[str]) -> int:
        for model in models:
            pipe.pttl(_key(model))
        return len(models)

    def apply(self, models: Sequence[str], ttls_ms: Sequence[int]) -> list[str]:
        """Updates the mirror from PTTL results; returns the models not cooling down, in order."""
        now = time.monotonic()
        usable = []
        for model, ttl in zip(models, ttls_ms, strict=True):
            if ttl is not None and int(ttl) > 0:
                self._until[model] = now + int(ttl) / 1000
            else:
                self._until.pop(model, None)
                usable.append(model)
        return usable

    async def start(self, model: str, seconds: float | None = None) -> None:
        seconds = self.seconds if seconds is None else seconds
        if seconds <= 0:
            return
        self._until[model] = time.monotonic() + seconds
        await self.redis.set(_key(model), "1", px=max(1, int(seconds * 1000)))

    def cooling(self, model: str) -> bool:
        return self._until.get(model, 0.0) > time.monotonic()
