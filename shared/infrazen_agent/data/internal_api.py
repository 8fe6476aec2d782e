"""The reference server of the internal API contract (what InfraZen serves at
AGENT_INTERNAL_API_BASE), implemented over the embedded database with `SqlSource`.

The tenant is taken from the service JWT (`tenant_id` claim), never from a parameter. The
contract document `internal_api.openapi.yaml` is generated from this app (`infrazen-agent
internal-api --print-openapi`) and a test keeps the two identical.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from ..config import Settings
from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import InvalidInput, install_error_handlers
from ..middleware import RequestContextMiddleware
from ..runtime import Runtime
from .model import (
    REC_TYPES,
    CandidateQuery,
    CostBounds,
    CostSeries,
    GroupBy,
    PriceKind,
    PriceRow,
    Recommendation,
    RecStatus,
    Resource,
    SkuRef,
    Snapshot,
    UserContext,
)
from .source import MAX_SKUS
from .sql_source import SqlSource

PREFIX = "/internal/v1"
API_VERSION = "1.0.0"
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, expired or invalid service token"},
    404: {"description": "Not found in the token's tenant (another tenant's id is not found too)"},
    422: {"description": "Invalid parameters"},
}

router = APIRouter(prefix=PREFIX, tags=["internal"], responses=_ERRORS)


class PriceList(BaseModel):
    prices: list[PriceRow]


class RecommendationList(BaseModel):
    recommendations: list[Recommendation]


def _source(runtime: Runtime) -> SqlSource:
    source = runtime.services.get("internal_api_source")
    if source is None:
        source = runtime.services["internal_api_source"] = SqlSource(runtime)
    assert isinstance(source, SqlSource)
    return source


ResourceId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/context", response_model=UserContext, summary="The tenant, the calling user and account totals")
async def context(principal: CurrentPrincipal, runtime: RuntimeDep) -> UserContext:
    return await _source(runtime).user_context(principal)


@router.get("/resources/{resource_id}", response_model=Resource, summary="One resource (monthly cost, spec)")
async def resource(resource_id: ResourceId, principal: CurrentPrincipal, runtime: RuntimeDep) -> Resource:
    return await _source(runtime).resource(principal, resource_id)


@router.get(
    "/resources/{resource_id}/snapshots/latest",
    response_model=Snapshot,
    summary="The latest utilisation snapshot of a resource",
)
async def latest_snapshot(resource_id: ResourceId, principal: CurrentPrincipal, runtime: RuntimeDep) -> Snapshot:
    return await _source(runtime).latest_snapshot(principal, resource_id)


@router.get("/prices", response_model=PriceList, summary="Catalog rows by SKU (current catalog version)")
async def prices(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    ref: Annotated[list[str], Query(description="provider:sku, repeatable (max 20)", max_length=MAX_SKUS)],
) -> PriceList:
    skus = []
    for item in ref:
        provider, sep, sku = item.partition(":")
        if not sep or not provider or not sku:
            raise InvalidInput(f"ref must be provider:sku, got {item[:80]!r}")
        skus.append(SkuRef(provider=provider, sku=sku))
    return PriceList(prices=await _source(runtime).prices_for_skus(principal, skus))


@router.get(
    "/prices/candidates",
    response_model=PriceList,
    summary="Catalog rows that could replace a resource (same kind, service, geography, currency)",
)
async def candidates(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    kind: PriceKind,
    service: Annotated[str, Query(max_length=40)],
    geo: Annotated[str, Query(max_length=40)],
    currency: Annotated[str, Query(pattern="^[A-Z]{3}$")],
    cpu_class: Annotated[str | None, Query(max_length=40)] = None,
    min_vcpu: Annotated[int | None, Query(ge=0)] = None,
    max_vcpu: Annotated[int | None, Query(ge=0)] = None,
    min_ram_gb: Annotated[float | None, Query(ge=0)] = None,
    max_ram_gb: Annotated[float | None, Query(ge=0)] = None,
    min_disk_gb: Annotated[int | None, Query(ge=0)] = None,
    disk_type: Annotated[list[str] | None, Query(description="repeatable: hdd, ssd, nvme")] = None,
    exclude_provider: Annotated[str | None, Query(max_length=40)] = None,
    provider: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PriceList:
    query = CandidateQuery(
        kind=kind,
        service=service,
        geo=geo,
        currency=currency,
        cpu_class=cpu_class,
        min_vcpu=min_vcpu,
        max_vcpu=max_vcpu,
        min_ram_gb=min_ram_gb,
        max_ram_gb=max_ram_gb,
        min_disk_gb=min_disk_gb,
        disk_types=disk_type,
        exclude_provider=exclude_provider,
        provider=provider,
        limit=limit,
    )
    return PriceList(prices=await _source(runtime).price_candidates(principal, query))


@router.get(
    "/recommendations/{recommendation_id}",
    response_model=Recommendation,
    summary="One recommendation with its evidence (JSON)",
)
async def recommendation(
    recommendation_id: ResourceId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Recommendation:
    return await _source(runtime).recommendation(principal, recommendation_id)


@router.get("/recommendations", response_model=RecommendationList, summary="Recommendations by savings (largest first)")
async def recommendations(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    status: Annotated[list[RecStatus] | None, Query(description="repeatable")] = None,
    type: Annotated[str | None, Query(description="recommendation type")] = None,
    resource_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> RecommendationList:
    if type is not None and type not in REC_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(REC_TYPES)}")
    recs = await _source(runtime).recommendations(
        principal, statuses=status, rec_type=type, resource_id=resource_id, limit=limit
    )
    return RecommendationList(recommendations=recs)


@router.get("/costs/bounds", response_model=CostBounds, summary="Currency and first/last day of the daily series")
async def cost_bounds(principal: CurrentPrincipal, runtime: RuntimeDep) -> CostBounds:
    return await _source(runtime).cost_bounds(principal)


@router.get(
    "/costs/daily",
    response_model=CostSeries,
    summary="Daily cost (per day, tenant currency) for a range, in total or per provider and/or service",
)
async def cost_daily(
    principal: CurrentPrincipal, runtime: RuntimeDep, start: date, end: date, group_by: GroupBy = "total"
) -> CostSeries:
    return await _source(runtime).cost_series(principal, start, end, group_by)


def create_internal_api(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.ensure_started()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="InfraZen internal API (agent data contract)",
        version=API_VERSION,
        lifespan=lifespan,
        description="Read endpoints InfraZen serves to the agent at AGENT_INTERNAL_API_BASE (which "
        f"includes the {PREFIX} prefix). Authentication: `Authorization: Bearer <service "
        "JWT>` (HS256, AGENT_SERVICE_JWT_SECRET); the tenant is the token's `tenant_id`. "
        "Money: `monthly_*` fields are per month, cost series amounts per day, each with an "
        'explicit currency. Errors: {"error": {"code", "message", "request_id"}}.',
    )
    app.state.runtime = runtime
    app.state.components = ("internal_api",)
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_bearer_auth(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _with_bearer_auth(doc: dict[str, Any]) -> dict[str, Any]:
    """State the service JWT as a bearer scheme instead of an optional `authorization` header."""
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            params = [p for p in operation.get("parameters", []) if p.get("name") != "authorization"]
            if params:
                operation["parameters"] = params
            else:
                operation.pop("parameters", None)
    doc.setdefault("components", {})["securitySchemes"] = {
        "serviceJwt": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "HS256, claims sub, tenant_id, roles, demo, exp, aud, iss",
        }
    }
    doc["security"] = [{"serviceJwt": []}]
    return doc


def openapi_document(settings: Settings) -> dict[str, Any]:
    return create_internal_api(settings).openapi()
