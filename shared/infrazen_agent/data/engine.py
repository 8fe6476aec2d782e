"""The deterministic recommendation engine: recommendations computed from resources, their latest
utilisation snapshot and the price catalog. Every saving comes from catalog prices and keeps its
formula in the evidence, so `savings = current − target price × quantity` can be checked.

Defects of InfraZen's first engine avoided here (notes §3): candidates are filtered by resource
type (servers with compute rows, each managed engine with its own rows); per-node DBaaS prices
are multiplied by the node count; "unused for N days" is measured from the state change, not the
creation date; cleanup savings state what is kept (a safety snapshot, the newest backup).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..wording import format_money, format_number
from .catalog import CATALOG_VERSION, PROVIDER_NAMES, SHAPES, compute_sku, service_sku
from .equivalence import candidate_query, is_comparable, matches, parity, quantity, replacement_monthly, sort_key
from .model import DBAAS_ENGINES, PriceRow, Resource, Snapshot
from .money import MIN_SAVINGS, round2

IDLE_CPU_AVG_PCT = 10.0
IDLE_CPU_P95_PCT = 40.0
MIN_WINDOW_DAYS = 14
STOPPED_MIN_DAYS = 14
UNUSED_IP_MIN_DAYS = 14
SNAPSHOT_MAX_AGE_DAYS = 180
MAX_PROJECTED_CPU_P95 = 80.0
MAX_PROJECTED_RAM_PCT = 80.0
SEVERITY = {"RUB": (5000.0, 1000.0), "USD": (60.0, 12.0)}


class RecommendationDraft(BaseModel):
    resource_id: int
    rec_type: str
    category: str
    severity: str
    title: str
    current_monthly: float
    target_monthly: float
    savings_monthly: float
    currency: str
    target_provider: str | None
    target_sku: str | None
    target_region: str | None
    target_quantity: float
    confidence: float
    rule: str
    evidence: dict[str, Any]


def _severity(savings: float, currency: str) -> str:
    high, medium = SEVERITY.get(currency, SEVERITY["USD"])
    return "high" if savings >= high else "medium" if savings >= medium else "low"


def _worth_it(current: float, savings: float, currency: str) -> bool:
    return savings > 0 and savings >= max(MIN_SAVINGS.get(currency, 1.0), 0.10 * current)


def _formula(current: float, target: float, savings: float, currency: str, target_text: str) -> str:
    return f"savings = current_monthly − {target_text} = {current:.2f} − {target:.2f} = {savings:.2f} {currency}/month"


def _since(snapshot: Snapshot | None, to_status: str) -> datetime | None:
    """When the resource last entered `to_status` (None: no recorded change)."""
    if snapshot is None:
        return None
    changes = [c.at for c in snapshot.state_changes if c.to_status == to_status]
    return max(changes) if changes else None


def _draft(
    resource: Resource,
    rec_type: str,
    category: str,
    title: str,
    target: float,
    confidence: float,
    rule: str,
    evidence: dict[str, Any],
    *,
    target_row: PriceRow | None = None,
    target_quantity: float = 0,
) -> RecommendationDraft:
    current = round2(resource.monthly_cost)
    target = round2(target)
    savings = round2(current - target)
    evidence = {
        "rule": rule,
        "formula": _formula(
            current, target, savings, resource.currency, "target_monthly" if target_row else "0 (removed)"
        ),
        "current_monthly": current,
        "target_monthly": target,
        "currency": resource.currency,
        "period": "month",
        "catalog_version": CATALOG_VERSION,
        **evidence,
    }
    return RecommendationDraft(
        resource_id=resource.id,
        rec_type=rec_type,
        category=category,
        severity=_severity(savings, resource.currency),
        title=title,
        current_monthly=current,
        target_monthly=target,
        savings_monthly=savings,
        currency=resource.currency,
        target_provider=target_row.provider if target_row else None,
        target_sku=target_row.sku if target_row else None,
        target_region=target_row.region if target_row else None,
        target_quantity=target_quantity,
        confidence=confidence,
        rule=rule,
        evidence=evidence,
    )


class Engine:
    def __init__(self, catalog: Sequence[PriceRow], now: datetime):
        self.now = now
        self.by_sku = {row.sku: row for row in catalog}
        self.by_kind: dict[tuple[str, str], list[PriceRow]] = defaultdict(list)
        for row in catalog:
            self.by_kind[(row.kind, row.service)].append(row)

    def run(self, resources: Iterable[Resource], snapshots: dict[int, Snapshot]) -> list[RecommendationDraft]:
        resources = list(resources)
        out: list[RecommendationDraft] = []
        for res in resources:
            snap = snapshots.get(res.id)
            if is_comparable(res) and res.status in ("running", "active"):
                out.extend(self._cross_provider(res))
            if res.resource_type == "server" and res.status == "running":
                out.extend(self._rightsize(res, snap))
            if res.resource_type == "server" and res.status == "stopped":
                out.extend(self._stopped(res, snap))
            if res.resource_type == "reserved_ip" and res.status == "unused":
                out.extend(self._unused_ip(res, snap))
        out.extend(self._old_snapshots(resources))
        return out

    # --- cross-provider "cheaper home"
    def _cross_provider(self, res: Resource) -> list[RecommendationDraft]:
        query = candidate_query(res, exact=True, exclude_provider=res.provider)
        rows = sorted((r for r in self.by_kind[(query.kind, query.service)] if matches(query, r)), key=sort_key)
        if not rows:
            return []
        best = rows[0]
        target = replacement_monthly(res, best)
        savings = round2(res.monthly_cost - target)
        if not _worth_it(res.monthly_cost, savings, res.currency):
            return []
        is_server = res.resource_type == "server"
        qty = quantity(res, best)
        evidence: dict[str, Any] = {
            "compared": ("compute rows" if is_server else f"{DBAAS_ENGINES[res.resource_type]} DBaaS rows")
            + f" in {res.geo} priced in {res.currency}, other providers only",
            "target_unit_price": best.monthly_price,
            "billing_unit": best.billing_unit,
            "quantity": qty,
            "parity": parity(res.spec, best.spec).model_dump(),
            "runners_up": [
                {"provider": r.provider, "sku": r.sku, "target_monthly": replacement_monthly(res, r)} for r in rows[1:3]
            ],
        }
        if not is_server:
            evidence["note"] = (
                f"per-node price × {qty} nodes = cluster total, compared with the cluster's current total"
            )
        name = PROVIDER_NAMES[best.provider]
        title = f"Переезд {res.name} в {name}: экономия {format_money(savings, res.currency, 'ru', 'month')}"
        return [
            _draft(
                res,
                "cross_provider_server" if is_server else "cross_provider_dbaas",
                "cost",
                title,
                target,
                0.85 if is_server else 0.75,
                "cross_provider_price_check@1",
                evidence,
                target_row=best,
                target_quantity=qty,
            )
        ]

    # --- CPU under-use: one size down at the same provider
    def _rightsize(self, res: Resource, snap: Snapshot | None) -> list[RecommendationDraft]:
        spec = res.spec
        if (
            snap is None
            or snap.cpu_avg_pct is None
            or snap.cpu_p95_pct is None
            or snap.ram_p95_pct is None  # one size down halves RAM too: unknown use is no licence
            or snap.window_days < MIN_WINDOW_DAYS
            or spec.vcpu is None
            or spec.ram_gb is None
            or spec.disk_gb is None
            or spec.disk_type is None
        ):
            return []
        if snap.cpu_avg_pct >= IDLE_CPU_AVG_PCT or snap.cpu_p95_pct >= IDLE_CPU_P95_PCT:
            return []
        shape = (spec.vcpu, int(spec.ram_gb))
        if shape not in SHAPES or SHAPES.index(shape) == 0:
            return []
        tv, tr = SHAPES[SHAPES.index(shape) - 1]
        projected_cpu = round(snap.cpu_p95_pct * spec.vcpu / tv, 1)
        ram_used_gb = snap.ram_p95_pct / 100 * spec.ram_gb
        projected_ram = round(ram_used_gb / tr * 100, 1)
        if projected_cpu > MAX_PROJECTED_CPU_P95 or projected_ram > MAX_PROJECTED_RAM_PCT:
            return []
        sku = compute_sku(
            res.provider, spec.cpu_class or "standard", tv, tr, spec.disk_type, spec.disk_gb, res.region, res.currency
        )
        row = self.by_sku.get(sku)
        if row is None or (row.spec.disk_gb or 0) < spec.disk_gb:
            return []  # no smaller size keeps the disk (e.g. fixed VPS plans)
        savings = round2(res.monthly_cost - row.monthly_price)
        if not _worth_it(res.monthly_cost, savings, res.currency):
            return []
        evidence = {
            "cpu_avg_pct": snap.cpu_avg_pct,
            "cpu_p95_pct": snap.cpu_p95_pct,
            "ram_p95_pct": snap.ram_p95_pct,
            "window_days": snap.window_days,
            "from_shape": f"{spec.vcpu} vCPU / {spec.ram_gb:g} GB",
            "to_shape": f"{tv} vCPU / {tr} GB",
            "projected_cpu_p95_pct": projected_cpu,
            "projected_ram_p95_pct": projected_ram,
            "thresholds": {
                "cpu_avg_below": IDLE_CPU_AVG_PCT,
                "cpu_p95_below": IDLE_CPU_P95_PCT,
                "projected_max_pct": MAX_PROJECTED_CPU_P95,
            },
            "target_unit_price": row.monthly_price,
            "billing_unit": row.billing_unit,
            "quantity": 1,
        }
        confidence = 0.9 if snap.cpu_p95_pct < 25 else 0.75
        saves = format_money(savings, res.currency, "ru", "month")
        title = (
            f"Уменьшить {res.name} до {format_number(tv, 'ru')} vCPU / {format_number(tr, 'ru')} ГБ: экономия {saves}"
        )
        return [
            _draft(
                res,
                "rightsize_cpu",
                "cost",
                title,
                row.monthly_price,
                confidence,
                "cpu_underuse@1",
                evidence,
                target_row=row,
                target_quantity=1,
            )
        ]

    # --- stopped but still billed: keep a snapshot of the disk, remove the server
    def _stopped(self, res: Resource, snap: Snapshot | None) -> list[RecommendationDraft]:
        since = _since(snap, "stopped")
        if since is None or res.spec.disk_gb is None:
            return []
        days = (self.now - since).days
        if days < STOPPED_MIN_DAYS:
            return []
        row = self.by_sku.get(service_sku(res.provider, "snapshot", res.region, res.currency))
        if row is None:
            return []
        keep = round2(row.monthly_price * res.spec.disk_gb)
        savings = round2(res.monthly_cost - keep)
        if not _worth_it(res.monthly_cost, savings, res.currency):
            return []
        evidence = {
            "stopped_since": since.isoformat(),
            "days_stopped": days,
            "measured_from": "the stop state change",
            "billed_while_stopped": "disk" + (" and plan" if res.provider == "beget" else ""),
            "kept": f"a {res.spec.disk_gb} GB snapshot of the disk, so the server can be restored",
            "target_unit_price": row.monthly_price,
            "billing_unit": row.billing_unit,
            "quantity": res.spec.disk_gb,
        }
        confidence = 0.8 if days >= 60 else 0.65
        title = f"Удалить остановленный {res.name} (стоит {days} дн.), сохранив снимок диска"
        return [
            _draft(
                res,
                "stopped_server",
                "cleanup",
                title,
                keep,
                confidence,
                "stopped_server@1",
                evidence,
                target_row=row,
                target_quantity=res.spec.disk_gb,
            )
        ]

    # --- reserved IPs not attached to anything
    def _unused_ip(self, res: Resource, snap: Snapshot | None) -> list[RecommendationDraft]:
        since = _since(snap, "unused")
        if since is None:
            return []
        days = (self.now - since).days
        if days < UNUSED_IP_MIN_DAYS or not _worth_it(res.monthly_cost, res.monthly_cost, res.currency):
            return []
        dns = res.tags.get("dns")
        evidence: dict[str, Any] = {
            "unused_since": since.isoformat(),
            "days_unused": days,
            "measured_from": "the detach state change",
        }
        if dns:
            evidence["caution"] = f"the address is named in DNS ({dns}); update the record before releasing"
        title = f"Освободить неиспользуемый IP {res.name} (не привязан {days} дн.)"
        return [_draft(res, "unused_ip", "cleanup", title, 0.0, 0.6 if dns else 0.9, "unused_ip@1", evidence)]

    # --- snapshots older than the threshold, never the newest backup of a live source
    def _old_snapshots(self, resources: list[Resource]) -> list[RecommendationDraft]:
        live = {r.id for r in resources if r.resource_type != "snapshot"}
        by_source: dict[str, list[Resource]] = defaultdict(list)
        for r in resources:
            if r.resource_type == "snapshot":
                by_source[r.tags.get("source_id", f"orphan-{r.id}")].append(r)
        out = []
        for source, snaps in by_source.items():
            newest = max(snaps, key=lambda s: (s.created_at, s.id))
            source_live = source.isdigit() and int(source) in live
            for snap in snaps:
                age = (self.now - snap.created_at).days
                if age < SNAPSHOT_MAX_AGE_DAYS or (snap is newest and source_live):
                    continue
                if not _worth_it(snap.monthly_cost, snap.monthly_cost, snap.currency):
                    continue
                evidence: dict[str, Any] = {
                    "age_days": age,
                    "threshold_days": SNAPSHOT_MAX_AGE_DAYS,
                    "source_id": source if source_live else None,
                }
                if source_live:
                    evidence["kept"] = f"the newest snapshot of the same source (resource {newest.id})"
                    confidence = 0.9
                else:
                    evidence["caution"] = "its source is gone: this may be the only copy; export it if needed"
                    confidence = 0.6
                title = f"Удалить старый снимок {snap.name} ({age} дн.)"
                out.append(_draft(snap, "old_snapshot", "cleanup", title, 0.0, confidence, "old_snapshot@1", evidence))
        return out
