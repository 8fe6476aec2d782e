"""Recommendation-text cache in Redis. The key holds the facts version, so a price, snapshot or
recommendation change makes a new key by itself; old entries simply expire (TTL)."""

from __future__ import annotations

import hashlib
import json
import logging

from ..auth import Principal
from ..metrics import CACHE_LOOKUPS
from ..runtime import Runtime
from .model import TextRequest

log = logging.getLogger("infrazen_agent.text.cache")
PREFIX = "rectext:v1"


def cache_key(principal: Principal, req: TextRequest, language: str, facts_version: str) -> str:
    target = (
        f"rec:{req.recommendation_id}"
        if req.recommendation_id
        else (f"res:{req.resource_id}:{req.target_provider or '*'}")
    )
    candidates = ",".join(sorted(req.candidate_skus or []))
    digest = hashlib.sha256(
        json.dumps([principal.tenant_id, target, candidates, language, req.mode, facts_version]).encode()
    ).hexdigest()[:40]
    return f"{PREFIX}:{principal.tenant_id}:{digest}"


async def load(runtime: Runtime, key: str) -> bytes | None:
    """The cached response as JSON with `cached` set to true (served as is: no re-validation)."""
    try:
        raw = await runtime.redis.get(key)
    except Exception:  # a cache outage costs speed, never the answer
        log.warning("text cache read failed", exc_info=True)
        return None
    CACHE_LOOKUPS.labels("recommendation_text", "hit" if isinstance(raw, bytes) else "miss").inc()
    if not isinstance(raw, bytes):
        return None
    return raw.replace(b'"cached":false', b'"cached":true', 1)


async def store(runtime: Runtime, key: str, raw: bytes) -> None:
    try:
        await runtime.redis.set(key, raw, ex=runtime.settings.text_cache_ttl_s)
    except Exception:
        log.warning("text cache write failed", exc_info=True)
