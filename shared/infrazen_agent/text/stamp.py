"""The facts version of a recommendation text: one small query over exactly what the facts depend
on — the recommendation's update time and numbers, the resource's cost, the latest snapshot, and
the catalog rows of the target or candidate SKUs (price and version). Any change there changes the
stamp, so the cache re-keys itself; no purge is ever needed.

Only the direct SQL source has it; with the internal HTTP API the version is a hash of the
gathered facts instead (same effect, one round of tool calls more per hit).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..auth import Principal
from ..runtime import Runtime
from .model import TextRequest

_LANGUAGE = "(SELECT u.language FROM users u WHERE u.id = %(user)s AND u.tenant_id = %(tenant)s) AS user_language"

_REC = f"""
SELECT {_LANGUAGE}, r.resource_id, r.target_provider, r.target_sku,
       r.updated_at, r.current_monthly, r.target_monthly, r.status, res.updated_at AS res_updated,
       res.monthly_cost,
       (SELECT max(s.id)::text || '@' || max(s.taken_at)::text FROM utilization_snapshots s
         WHERE s.tenant_id = r.tenant_id AND s.resource_id = r.resource_id) AS snapshot,
       (SELECT p.version || ':' || p.monthly_price::text FROM price_catalog p
         WHERE p.provider = r.target_provider AND p.sku = r.target_sku) AS price
  FROM recommendations r
  JOIN resources res ON res.id = r.resource_id AND res.tenant_id = r.tenant_id
 WHERE r.id = %(subject)s AND r.tenant_id = %(tenant)s
"""

_RESOURCE = f"""
SELECT {_LANGUAGE}, res.updated_at, res.monthly_cost,
       (SELECT max(s.id)::text || '@' || max(s.taken_at)::text FROM utilization_snapshots s
         WHERE s.tenant_id = res.tenant_id AND s.resource_id = res.id) AS snapshot,
       (SELECT md5(string_agg(p.provider || p.sku || p.monthly_price::text || p.version, ',' ORDER BY p.id))
          FROM price_catalog p
         WHERE p.geo = res.geo
           AND p.kind = CASE WHEN res.resource_type = 'server' THEN 'compute' ELSE 'dbaas' END) AS prices
  FROM resources res
 WHERE res.id = %(subject)s AND res.tenant_id = %(tenant)s
"""


@dataclass(frozen=True)
class Stamp:
    version: str
    user_language: str | None  # read in the same query: a cache hit needs no tool call
    # A recommendation's resource and target: lets every fact tool start at once (checked after).
    subject: dict[str, Any] | None = None


async def facts_stamp(runtime: Runtime, principal: Principal, req: TextRequest) -> Stamp | None:
    """The stamp, or None when it cannot be taken here (HTTP source, or an unknown id — the tools
    then answer with the proper 404)."""
    if runtime.settings.agent_internal_api_base:
        return None
    sql, subject_id = (_REC, req.recommendation_id) if req.recommendation_id else (_RESOURCE, req.resource_id)
    params = {"subject": subject_id, "tenant": principal.tenant_id, "user": principal.user_id}
    async with runtime.pool.connection() as conn:
        row = await (await conn.execute(sql, params)).fetchone()
    if row is None:
        return None
    language = row.pop("user_language")
    version = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:16]
    subject = None
    if req.recommendation_id:
        subject = {
            "resource_id": row["resource_id"],
            "target_provider": row["target_provider"],
            "target_sku": row["target_sku"],
        }
    return Stamp(version, language, subject)
