"""What may replace a resource, and how close a replacement is: one definition shared by the
recommendation engine (over the in-memory catalog) and the alternatives tool (over a source).

Rules that avoid the old engine's defects: only the same resource type is compared (servers with
compute rows, each managed engine with its own DBaaS rows), only in the same geography and
currency, and per-node DBaaS prices are multiplied by the node count before comparing with a
cluster's total.
"""

from __future__ import annotations

from pydantic import BaseModel

from .catalog import DISK_RANK
from .model import DBAAS_ENGINES, CandidateQuery, PriceRow, Resource, Spec
from .money import round2

# Weights of the equivalence score (InfraZen's rule: vCPU, RAM, storage, CPU class, disk type).
WEIGHTS = {"vcpu": 0.40, "ram": 0.30, "disk": 0.15, "cpu_class": 0.10, "disk_type": 0.05}
COMPARABLE_TYPES = ("server", *DBAAS_ENGINES)


class Parity(BaseModel):
    """Candidate / current per dimension (1.0 = same); `exact` = a like-for-like replacement."""

    vcpu_ratio: float | None
    ram_ratio: float | None
    disk_ratio: float | None
    cpu_class_match: bool
    disk_type: str  # "same" | "better" | "n/a"
    score: float
    exact: bool


def is_comparable(resource: Resource) -> bool:
    return resource.resource_type in COMPARABLE_TYPES and resource.spec.vcpu is not None


def candidate_query(
    resource: Resource,
    *,
    exact: bool,
    exclude_provider: str | None = None,
    provider: str | None = None,
    limit: int = 50,
) -> CandidateQuery:
    spec = resource.spec
    assert spec.vcpu is not None and spec.ram_gb is not None
    kind, service = (
        ("compute", "server")
        if resource.resource_type == "server"
        else ("dbaas", DBAAS_ENGINES[resource.resource_type])
    )
    disk_types = None
    if spec.disk_type is not None:
        disk_types = [spec.disk_type] if exact else [t for t, r in DISK_RANK.items() if r >= DISK_RANK[spec.disk_type]]
    return CandidateQuery(
        kind=kind,
        service=service,
        geo=resource.geo,
        currency=resource.currency,
        cpu_class=spec.cpu_class,
        min_vcpu=spec.vcpu,
        max_vcpu=spec.vcpu if exact else spec.vcpu * 2,
        min_ram_gb=spec.ram_gb,
        max_ram_gb=spec.ram_gb if exact else spec.ram_gb * 2,
        min_disk_gb=spec.disk_gb,
        disk_types=disk_types,
        exclude_provider=exclude_provider,
        provider=provider,
        limit=limit,
    )


def matches(query: CandidateQuery, row: PriceRow) -> bool:
    """The in-memory twin of the SQL source's candidate query (kept in step by a test)."""
    s = row.spec
    if (row.kind, row.service, row.geo, row.currency) != (query.kind, query.service, query.geo, query.currency):
        return False
    if query.cpu_class is not None and s.cpu_class != query.cpu_class:
        return False
    if query.exclude_provider is not None and row.provider == query.exclude_provider:
        return False
    if query.provider is not None and row.provider != query.provider:
        return False
    checks = (
        (query.min_vcpu, s.vcpu, 1),
        (query.max_vcpu, s.vcpu, -1),
        (query.min_ram_gb, s.ram_gb, 1),
        (query.max_ram_gb, s.ram_gb, -1),
        (query.min_disk_gb, s.disk_gb, 1),
    )
    for bound, value, sign in checks:
        if bound is None:
            continue
        if value is None or (value - bound) * sign < 0:
            return False
    return query.disk_types is None or s.disk_type in query.disk_types


def sort_key(row: PriceRow) -> tuple[float, str, str]:
    return (row.monthly_price, row.provider, row.sku)


def parity(current: Spec, candidate: Spec) -> Parity:
    def ratio(cur: float | None, new: float | None) -> float | None:
        if cur is None or new is None or cur == 0:
            return None
        return round(new / cur, 3)

    ratios = {
        "vcpu": ratio(current.vcpu, candidate.vcpu),
        "ram": ratio(current.ram_gb, candidate.ram_gb),
        "disk": ratio(current.disk_gb, candidate.disk_gb),
    }
    score = 0.0
    for dim, value in ratios.items():
        # A bigger candidate is at full parity; a smaller one only in proportion.
        score += WEIGHTS[dim] * (1.0 if value is None else min(value, 1.0))
    cpu_match = current.cpu_class == candidate.cpu_class
    score += WEIGHTS["cpu_class"] if cpu_match else 0.0
    if current.disk_type is None or candidate.disk_type is None:
        disk_type, score = "n/a", score + WEIGHTS["disk_type"]
    elif current.disk_type == candidate.disk_type:
        disk_type, score = "same", score + WEIGHTS["disk_type"]
    else:
        better = DISK_RANK[candidate.disk_type] > DISK_RANK[current.disk_type]
        disk_type = "better" if better else "worse"
        score += WEIGHTS["disk_type"] if better else 0.0
    exact = (
        ratios["vcpu"] == 1.0
        and ratios["ram"] == 1.0
        and cpu_match
        and disk_type in ("same", "n/a")
        and (ratios["disk"] is None or ratios["disk"] >= 1.0)
    )
    return Parity(
        vcpu_ratio=ratios["vcpu"],
        ram_ratio=ratios["ram"],
        disk_ratio=ratios["disk"],
        cpu_class_match=cpu_match,
        disk_type=disk_type,
        score=round(score, 3),
        exact=exact,
    )


def quantity(resource: Resource, row: PriceRow) -> int:
    """How many of the row a like-for-like move buys: DBaaS rows are per node."""
    return resource.spec.nodes if row.billing_unit == "per_node" else 1


def replacement_monthly(resource: Resource, row: PriceRow) -> float:
    return round2(row.monthly_price * quantity(resource, row))
