"""Pricing tools: the top equivalent alternatives of a resource, and catalog prices by SKU."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..data.equivalence import Parity, candidate_query, is_comparable, parity, quantity, replacement_monthly
from ..data.model import BillingUnit, PriceRow, SkuRef, Spec, UnitPrice
from ..data.money import Money, money, round2
from ..wording import format_amount, format_percent
from .common import ResourceView, ToolInput, pct, provider_name, require, resource_view, source_of
from .registry import Tool, ToolContext

MAX_ALTERNATIVES = 5
ALTERNATIVES_METHOD = (
    "Catalog rows of the same kind (compute for servers, the same managed engine for databases), in the same "
    "geography and currency, at another provider; at least the current vCPU, RAM, disk size and disk class and "
    "the same CPU class (up to twice the size). DBaaS prices are per node × the cluster's node count. Sorted by "
    "monthly price; parity = candidate / current per dimension, score weights vCPU 0.40, RAM 0.30, disk 0.15, "
    "CPU class 0.10, disk type 0.05."
)


class AlternativesInput(ToolInput):
    resource_id: int = Field(ge=1)
    limit: int = Field(default=MAX_ALTERNATIVES, ge=1, le=MAX_ALTERNATIVES)
    provider: str | None = Field(
        default=None, max_length=40, description="only this target provider (selectel, yandex, vkcloud, beget)"
    )


class Alternative(BaseModel):
    rank: int
    provider: str
    provider_name: str
    sku: str
    region: str
    spec: Spec
    billing_unit: BillingUnit
    quantity: int
    unit_price: Money
    monthly: Money
    delta: Money = Field(description="alternative − current; negative means cheaper")
    delta_pct: float
    parity: Parity


class AlternativesOut(BaseModel):
    resource: ResourceView
    current_monthly: Money
    alternatives: list[Alternative]
    method: str
    catalog_version: str | None


async def list_top_alternatives(ctx: ToolContext, args: AlternativesInput) -> tuple[AlternativesOut, str]:
    source = source_of(ctx)
    res = await source.resource(ctx.principal, args.resource_id)
    require(
        is_comparable(res),
        f"alternatives are priced for servers and managed databases; resource {res.id} is a {res.resource_type}",
    )
    query = candidate_query(res, exact=False, exclude_provider=res.provider, provider=args.provider, limit=60)
    rows = await source.price_candidates(ctx.principal, query)
    ranked = sorted(
        rows, key=lambda r: (replacement_monthly(res, r), -parity(res.spec, r.spec).score, r.provider, r.sku)
    )
    alternatives = []
    for i, row in enumerate(ranked[: args.limit], start=1):
        monthly = replacement_monthly(res, row)
        delta = round2(monthly - res.monthly_cost)
        alternatives.append(
            Alternative(
                rank=i,
                provider=row.provider,
                provider_name=provider_name(row.provider),
                sku=row.sku,
                region=row.region,
                spec=row.spec,
                billing_unit=row.billing_unit,
                quantity=quantity(res, row),
                unit_price=money(row.monthly_price, row.currency),
                monthly=money(monthly, row.currency),
                delta=money(delta, row.currency),
                delta_pct=pct(delta, res.monthly_cost),
                parity=parity(res.spec, row.spec),
            )
        )
    out = AlternativesOut(
        resource=resource_view(res),
        current_monthly=money(res.monthly_cost, res.currency),
        alternatives=alternatives,
        method=ALTERNATIVES_METHOD,
        catalog_version=ranked[0].version if ranked else None,
    )
    if alternatives:
        best = alternatives[0]
        summary = (
            f"{len(alternatives)} alternatives for {res.name}; cheapest {best.provider_name} {best.sku} at "
            f"{format_amount(best.monthly, 'en')} ({format_percent(best.delta_pct, 'en', signed=True)} "
            f"vs {format_amount(out.current_monthly, 'en')})"
        )
    else:
        summary = f"no equivalent alternative for {res.name} in {res.geo} priced in {res.currency}"
    return out, summary


class PricesInput(ToolInput):
    skus: list[SkuRef] = Field(min_length=1, max_length=20, description="provider + SKU pairs, e.g. from alternatives")


class PriceView(BaseModel):
    provider: str
    provider_name: str
    sku: str
    kind: str
    service: str
    region: str
    geo: str
    spec: Spec
    billing_unit: BillingUnit
    monthly_price: Money = Field(description="per billing unit (instance, node, cluster, GB or IP)")
    unit_prices: list[UnitPrice]
    source: str
    version: str


class PricesOut(BaseModel):
    prices: list[PriceView]
    missing: list[SkuRef]


def price_view(row: PriceRow) -> PriceView:
    return PriceView(
        provider=row.provider,
        provider_name=provider_name(row.provider),
        sku=row.sku,
        kind=row.kind,
        service=row.service,
        region=row.region,
        geo=row.geo,
        spec=row.spec,
        billing_unit=row.billing_unit,
        monthly_price=money(row.monthly_price, row.currency),
        unit_prices=row.unit_prices,
        source=row.source,
        version=row.version,
    )


async def get_prices_for_skus(ctx: ToolContext, args: PricesInput) -> tuple[PricesOut, str]:
    unique = list({(s.provider, s.sku): s for s in args.skus}.values())
    rows = await source_of(ctx).prices_for_skus(ctx.principal, unique)
    found = {(r.provider, r.sku) for r in rows}
    out = PricesOut(
        prices=[price_view(r) for r in rows], missing=[s for s in unique if (s.provider, s.sku) not in found]
    )
    summary = "; ".join(f"{p.sku}: {format_amount(p.monthly_price, 'en')} {p.billing_unit}" for p in out.prices[:3])
    if len(out.prices) > 3:
        summary += f"; +{len(out.prices) - 3} more"
    if out.missing:
        summary += f"{'; ' if summary else ''}{len(out.missing)} not in the catalog"
    return out, summary


TOOLS = (
    Tool(
        "list_top_alternatives",
        1,
        "Up to 5 cheapest equivalent offers at other providers for a server or managed database, with normalised "
        "spec parity and the monthly price difference (negative delta = cheaper).",
        AlternativesInput,
        AlternativesOut,
        list_top_alternatives,
    ),
    Tool(
        "get_prices_for_skus",
        1,
        "Catalog prices for up to 20 SKUs: monthly price per billing unit with currency, unit prices with explicit "
        "units, source and catalog version.",
        PricesInput,
        PricesOut,
        get_prices_for_skus,
    ),
)
