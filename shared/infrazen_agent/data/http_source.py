"""`DataSource` over InfraZen's internal API (contract: internal_api.openapi.yaml).

Each call carries a short-lived service JWT minted for the caller's principal, so InfraZen scopes
the answer to the token's tenant; the client never sends a tenant id of its own. HTTP errors map
onto the error vocabulary (404 → NotFound, 422 → InvalidInput, timeouts → UpstreamTimeout…).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from ..auth import Principal, mint_token
from ..config import Settings
from ..errors import Forbidden, InvalidInput, NotFound, RateLimited, Unavailable, UpstreamTimeout
from ..logs import request_id_var
from .model import (
    CandidateQuery,
    CostBounds,
    CostSeries,
    GroupBy,
    PriceRow,
    Recommendation,
    Resource,
    SkuRef,
    Snapshot,
    UserContext,
)
from .sql_source import check_range, check_skus

TOKEN_TTL_S = 300
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class HttpSource:
    kind = "http"

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.base = settings.agent_internal_api_base.rstrip("/")
        self.client = httpx.AsyncClient(
            base_url=self.base, timeout=TIMEOUT, transport=transport, headers={"Accept": "application/json"}
        )
        self._tokens: dict[tuple[str, str, tuple[str, ...], bool], tuple[str, float]] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    def _token(self, p: Principal) -> str:
        key = (p.user_id, p.tenant_id, p.roles, p.demo)
        cached = self._tokens.get(key)
        now = time.monotonic()
        if cached and cached[1] > now:
            return cached[0]
        token = mint_token(
            self.settings, user=p.user_id, tenant=p.tenant_id, roles=list(p.roles), demo=p.demo, ttl_s=TOKEN_TTL_S
        )
        if len(self._tokens) > 10_000:  # bounded: one entry per active principal
            self._tokens.clear()
        self._tokens[key] = (token, now + TOKEN_TTL_S - 60)
        return token

    async def _get(self, p: Principal, path: str, params: Any = None) -> Any:
        try:
            headers = {"Authorization": f"Bearer {self._token(p)}"}
            if rid := request_id_var.get():  # InfraZen's logs of this call carry the agent's request id
                headers["X-Request-Id"] = rid
            resp = await self.client.get(path, params=params, headers=headers)
        except httpx.TimeoutException:
            raise UpstreamTimeout("the InfraZen internal API did not answer in time") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"the InfraZen internal API is unreachable ({type(exc).__name__})") from None
        if resp.status_code == 200:
            return resp.json()
        message = _message(resp)
        if resp.status_code == 404:
            raise NotFound(message)
        if resp.status_code in (400, 422):
            raise InvalidInput(message)
        if resp.status_code == 403:
            raise Forbidden(message)
        if resp.status_code == 429:
            raise RateLimited(message)
        if resp.status_code == 401:
            raise Unavailable("the InfraZen internal API refused the service token (check the shared secret)")
        raise Unavailable(f"the InfraZen internal API answered {resp.status_code}")

    async def user_context(self, principal: Principal) -> UserContext:
        return UserContext.model_validate(await self._get(principal, "/context"))

    async def resource(self, principal: Principal, resource_id: int) -> Resource:
        return Resource.model_validate(await self._get(principal, f"/resources/{int(resource_id)}"))

    async def latest_snapshot(self, principal: Principal, resource_id: int) -> Snapshot:
        return Snapshot.model_validate(await self._get(principal, f"/resources/{int(resource_id)}/snapshots/latest"))

    async def prices_for_skus(self, principal: Principal, skus: Sequence[SkuRef]) -> list[PriceRow]:
        check_skus(skus)
        body = await self._get(principal, "/prices", [("ref", f"{s.provider}:{s.sku}") for s in skus])
        return [PriceRow.model_validate(r) for r in body["prices"]]

    async def price_candidates(self, principal: Principal, query: CandidateQuery) -> list[PriceRow]:
        params: list[tuple[str, str | int | float]] = []
        for name, value in query.model_dump(exclude_none=True).items():
            if name == "disk_types":
                params.extend(("disk_type", v) for v in value)
            else:
                params.append((name, value))
        body = await self._get(principal, "/prices/candidates", params)
        return [PriceRow.model_validate(r) for r in body["prices"]]

    async def recommendation(self, principal: Principal, recommendation_id: int) -> Recommendation:
        return Recommendation.model_validate(await self._get(principal, f"/recommendations/{int(recommendation_id)}"))

    async def recommendations(
        self,
        principal: Principal,
        *,
        statuses: Sequence[str] | None = None,
        rec_type: str | None = None,
        resource_id: int | None = None,
        limit: int = 20,
    ) -> list[Recommendation]:
        params: list[tuple[str, str | int]] = [("limit", max(1, min(limit, 500)))]
        params.extend(("status", s) for s in statuses or ())
        if rec_type is not None:
            params.append(("type", rec_type))
        if resource_id is not None:
            params.append(("resource_id", resource_id))
        body = await self._get(principal, "/recommendations", params)
        return [Recommendation.model_validate(r) for r in body["recommendations"]]

    async def cost_bounds(self, principal: Principal) -> CostBounds:
        return CostBounds.model_validate(await self._get(principal, "/costs/bounds"))

    async def cost_series(self, principal: Principal, start: date, end: date, group_by: GroupBy) -> CostSeries:
        check_range(start, end)
        body = await self._get(
            principal, "/costs/daily", {"start": start.isoformat(), "end": end.isoformat(), "group_by": group_by}
        )
        return CostSeries.model_validate(body)


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    return resp.reason_phrase or f"HTTP {resp.status_code}"
