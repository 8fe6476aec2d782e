"""The canonical FinOps model as both sources return it (and as the internal API serves it).

Amounts are plain numbers beside an explicit currency; their period is in the field name
(`monthly_*` per month, series amounts per day). Raw provider objects never appear here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ResourceType = Literal[
    "server",
    "volume",
    "snapshot",
    "reserved_ip",
    "load_balancer",
    "storage",
    "postgresql-cluster",
    "mysql-cluster",
    "redis-cluster",
    "kafka-cluster",
    "kubernetes-cluster",
    "other",  # an imported bill's resource of no kind above (imports/focus.py)
]
RecType = Literal[
    "cross_provider_server", "cross_provider_dbaas", "rightsize_cpu", "stopped_server", "old_snapshot", "unused_ip"
]
REC_TYPES: tuple[str, ...] = (
    "cross_provider_server",
    "cross_provider_dbaas",
    "rightsize_cpu",
    "stopped_server",
    "old_snapshot",
    "unused_ip",
)
RecStatus = Literal["pending", "seen", "snoozed", "implemented", "dismissed"]
OPEN_STATUSES: tuple[str, ...] = ("pending", "seen")
PriceKind = Literal["compute", "dbaas", "kubernetes", "storage", "network"]
BillingUnit = Literal["per_instance", "per_node", "per_cluster", "per_gb", "per_ip"]
GroupBy = Literal["total", "provider", "service", "provider_service"]

# Managed database resource types and the catalog service (engine) that prices each: Redis is
# never priced with PostgreSQL rows.
DBAAS_ENGINES = {
    "postgresql-cluster": "postgresql",
    "mysql-cluster": "mysql",
    "redis-cluster": "redis",
    "kafka-cluster": "kafka",
}


class Spec(BaseModel):
    vcpu: int | None = None
    ram_gb: float | None = None
    disk_gb: int | None = None
    disk_type: Literal["hdd", "ssd", "nvme"] | None = None
    cpu_class: str | None = None
    nodes: int = 1


class Resource(BaseModel):
    id: int
    name: str
    provider: str
    connection_id: int
    connection_name: str
    resource_type: ResourceType
    service: str
    region: str
    geo: str
    status: Literal["running", "stopped", "active", "unused"]
    spec: Spec
    sku: str | None = None
    monthly_cost: float
    currency: str
    tags: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class StateChange(BaseModel):
    at: datetime
    from_status: str
    to_status: str


class Snapshot(BaseModel):
    resource_id: int
    taken_at: datetime
    window_days: int
    status: str
    cpu_avg_pct: float | None = None
    cpu_p95_pct: float | None = None
    ram_avg_pct: float | None = None
    ram_p95_pct: float | None = None
    net_in_gb: float | None = None
    net_out_gb: float | None = None
    state_changes: list[StateChange] = Field(default_factory=list)


class UnitPrice(BaseModel):
    component: str
    unit: str  # explicit, e.g. "kopecks/vCPU/hour", "RUB/GB/month"
    price: float


class PriceRow(BaseModel):
    kind: PriceKind
    provider: str
    sku: str
    region: str
    geo: str
    service: str
    spec: Spec
    billing_unit: BillingUnit
    monthly_price: float
    currency: str
    unit_prices: list[UnitPrice]
    source: str
    version: str


class SkuRef(BaseModel):
    provider: str = Field(min_length=1, max_length=40)
    sku: str = Field(min_length=1, max_length=200)


class CandidateQuery(BaseModel):
    """Catalog rows that could replace a resource: same kind and service, same geography and
    currency, at least the same size (caps keep 'at least' from meaning 'anything bigger')."""

    kind: PriceKind
    service: str
    geo: str
    currency: str
    cpu_class: str | None = None
    min_vcpu: int | None = None
    max_vcpu: int | None = None
    min_ram_gb: float | None = None
    max_ram_gb: float | None = None
    min_disk_gb: int | None = None
    disk_types: list[str] | None = None
    exclude_provider: str | None = None
    provider: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class Recommendation(BaseModel):
    id: int
    resource_id: int
    rec_type: RecType
    category: str
    status: RecStatus
    severity: Literal["low", "medium", "high"]
    title: str
    current_monthly: float
    target_monthly: float
    savings_monthly: float
    currency: str
    target_provider: str | None = None
    target_sku: str | None = None
    target_region: str | None = None
    target_quantity: float = 1
    confidence: float
    rule: str
    evidence: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class Connection(BaseModel):
    id: int
    provider: str
    name: str
    status: str
    last_sync_at: datetime | None = None


class InventoryLine(BaseModel):
    resource_type: str
    count: int
    monthly_cost: float


class TenantInfo(BaseModel):
    id: str
    name: str
    currency: str


class UserInfo(BaseModel):
    id: str
    name: str
    email: str
    role: str
    language: str
    currency: str
    timezone: str
    is_demo: bool


class UserContext(BaseModel):
    tenant: TenantInfo
    user: UserInfo | None  # None: the token's user is not in InfraZen's user list
    connections: list[Connection]
    inventory: list[InventoryLine]
    open_recommendations: int
    open_savings_monthly: float
    data_from: date | None
    data_to: date | None


class CostBounds(BaseModel):
    currency: str
    first_day: date | None
    last_day: date | None


class CostSeries(BaseModel):
    """Daily cost, columnar (compact on the wire, cheap to build): day `days[i]` cost `amounts[i]`
    (per day, in `currency`) for `providers[i]` / `services[i]` (null when not grouped by it)."""

    start: date
    end: date
    group_by: GroupBy
    currency: str
    days: list[date]
    providers: list[str | None]
    services: list[str | None]
    amounts: list[float]

    def iter_rows(self) -> Iterator[tuple[date, str, str, float]]:
        return zip(
            self.days, (p or "" for p in self.providers), (s or "" for s in self.services), self.amounts, strict=True
        )
