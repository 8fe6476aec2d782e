"""The recommendation engine on hand-made resources: each rule, and each defect of InfraZen's first
engine (notes §3) shown not to happen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infrazen_agent.data.catalog import build_catalog, catalog_index, compute_sku, dbaas_sku, service_sku
from infrazen_agent.data.engine import Engine, RecommendationDraft
from infrazen_agent.data.model import Resource, Snapshot, Spec, StateChange

NOW = datetime(2025, 6, 30, 6, 0, tzinfo=UTC)
PRICES = catalog_index()


def resource(rid: int = 1, **kw: Any) -> Resource:
    values: dict[str, Any] = {
        "id": rid,
        "name": f"r{rid}",
        "provider": "selectel",
        "connection_id": 1,
        "connection_name": "c",
        "resource_type": "server",
        "service": "compute",
        "region": "ru-2",
        "geo": "moscow",
        "status": "running",
        "spec": Spec(vcpu=4, ram_gb=8, disk_gb=80, disk_type="ssd", cpu_class="standard"),
        "monthly_cost": PRICES["sel.standard.4c8g.ssd80.ru-2"].monthly_price,
        "currency": "RUB",
        "created_at": NOW - timedelta(days=400),
        "updated_at": NOW,
    }
    values.update(kw)
    return Resource.model_validate(values)


def snapshot(
    rid: int,
    cpu: tuple[float, float] | None = (40, 60),
    ram_p95: float | None = 50,
    changes: list[StateChange] | None = None,
    status: str = "running",
) -> Snapshot:
    return Snapshot(
        resource_id=rid,
        taken_at=NOW,
        window_days=30,
        status=status,
        cpu_avg_pct=cpu[0] if cpu else None,
        cpu_p95_pct=cpu[1] if cpu else None,
        ram_avg_pct=40,
        ram_p95_pct=ram_p95,
        state_changes=changes or [],
    )


def run(resources: list[Resource], snaps: list[Snapshot] | None = None) -> list[RecommendationDraft]:
    return Engine(build_catalog(), NOW).run(resources, {s.resource_id: s for s in snaps or []})


def by_type(drafts: list[RecommendationDraft], rec_type: str) -> list[RecommendationDraft]:
    return [d for d in drafts if d.rec_type == rec_type]


def test_cross_provider_server_picks_the_cheapest_exact_equivalent() -> None:
    res = resource()
    [rec] = by_type(run([res], [snapshot(1)]), "cross_provider_server")
    target = PRICES[rec.target_sku or ""]
    assert target.kind == "compute" and target.provider != "selectel" and target.geo == "moscow"
    assert (target.spec.vcpu, target.spec.ram_gb, target.spec.disk_type, target.spec.cpu_class) == (
        4,
        8,
        "ssd",
        "standard",
    )
    assert (target.spec.disk_gb or 0) >= 80
    equivalents = [
        r
        for r in build_catalog()
        if r.kind == "compute"
        and r.geo == "moscow"
        and r.currency == "RUB"
        and r.provider != "selectel"
        and r.spec.vcpu == 4
        and r.spec.ram_gb == 8
        and r.spec.disk_type == "ssd"
        and r.spec.cpu_class == "standard"
        and (r.spec.disk_gb or 0) >= 80
    ]
    assert target.monthly_price == min(r.monthly_price for r in equivalents)
    assert rec.savings_monthly == round(rec.current_monthly - rec.target_monthly, 2)
    assert rec.evidence["formula"].endswith(f"{rec.savings_monthly:.2f} RUB/month")
    assert rec.evidence["parity"]["exact"] is True


def test_databases_are_never_offered_as_vms_and_redis_only_as_redis() -> None:
    nodes = 3
    # Yandex Redis with paid backups: the other providers' Redis rows are cheaper.
    redis = resource(
        2,
        resource_type="redis-cluster",
        service="managed-redis",
        provider="yandex",
        region="ru-central1",
        spec=Spec(vcpu=2, ram_gb=8, cpu_class="standard", nodes=nodes),
        monthly_cost=PRICES[dbaas_sku("yandex", "redis", 2, 8, None, "ru-central1", "RUB")].monthly_price * nodes * 1.2,
    )
    pg = resource(
        3,
        resource_type="postgresql-cluster",
        service="managed-postgresql",
        spec=Spec(vcpu=4, ram_gb=16, disk_gb=100, disk_type="ssd", cpu_class="standard", nodes=nodes),
        monthly_cost=PRICES[dbaas_sku("selectel", "postgresql", 4, 16, 100, "ru-2", "RUB")].monthly_price * nodes,
    )
    drafts = by_type(run([redis, pg]), "cross_provider_dbaas")
    assert {d.resource_id for d in drafts} == {2, 3}
    for d in drafts:
        target = PRICES[d.target_sku or ""]
        engine = "redis" if d.resource_id == 2 else "postgresql"
        assert target.kind == "dbaas" and target.service == engine
        # Per-node price × node count is compared with the cluster total.
        assert d.target_quantity == nodes and d.target_monthly == pytest.approx(target.monthly_price * nodes, abs=0.01)
    assert not by_type(run([redis, pg]), "cross_provider_server")


def test_per_node_prices_are_not_compared_with_cluster_totals() -> None:
    """A 3-node cluster costing 1.1 × one node elsewhere is not a saving of 90 %."""
    per_node = PRICES[dbaas_sku("vkcloud", "postgresql", 4, 16, 100, "ru-msk", "RUB")].monthly_price
    pg = resource(
        4,
        resource_type="postgresql-cluster",
        service="managed-postgresql",
        spec=Spec(vcpu=4, ram_gb=16, disk_gb=100, disk_type="ssd", cpu_class="standard", nodes=3),
        monthly_cost=round(per_node * 1.1, 2),
    )
    assert not run([pg])  # three nodes anywhere cost more than 1.1 nodes' price


def test_small_savings_are_not_recommended() -> None:
    cheapest = 2814.4  # VK Cloud 2 vCPU / 4 GB / 40 GB SSD, the cheapest equivalent
    res = resource(
        5, spec=Spec(vcpu=2, ram_gb=4, disk_gb=40, disk_type="ssd", cpu_class="standard"), monthly_cost=cheapest + 150
    )  # saves 150 ₽ but < 10 %
    assert not by_type(run([res]), "cross_provider_server")


def test_rightsizing_uses_avg_and_p95_and_goes_one_size_down() -> None:
    idle = resource(
        6,
        provider="yandex",
        region="ru-central1",
        monthly_cost=PRICES["yc.standard.4c8g.ssd80.ru-central1"].monthly_price,
    )
    [rec] = by_type(run([idle], [snapshot(6, cpu=(4, 20), ram_p95=40)]), "rightsize_cpu")
    assert rec.target_sku == compute_sku("yandex", "standard", 2, 4, "ssd", 80, "ru-central1", "RUB")
    assert rec.target_provider == "yandex" and rec.evidence["projected_cpu_p95_pct"] == 40.0
    bursty = by_type(run([idle], [snapshot(6, cpu=(4, 55))]), "rightsize_cpu")
    ram_bound = by_type(run([idle], [snapshot(6, cpu=(4, 20), ram_p95=90)]), "rightsize_cpu")
    busy = by_type(run([idle], [snapshot(6, cpu=(30, 50))]), "rightsize_cpu")
    ram_unknown = by_type(run([idle], [snapshot(6, cpu=(4, 20), ram_p95=None)]), "rightsize_cpu")
    assert bursty == ram_bound == busy == ram_unknown == []


def test_stopped_server_counts_days_from_the_stop_and_keeps_a_snapshot() -> None:
    disk_price = PRICES[service_sku("selectel", "volume", "ru-2", "RUB", "ssd")].monthly_price
    stopped = resource(
        7, status="stopped", monthly_cost=round(disk_price * 80, 2), created_at=NOW - timedelta(days=900)
    )
    recent = [StateChange(at=NOW - timedelta(days=5), from_status="running", to_status="stopped")]
    assert not by_type(run([stopped], [snapshot(7, cpu=None, changes=recent, status="stopped")]), "stopped_server")
    long_ago = [StateChange(at=NOW - timedelta(days=45), from_status="running", to_status="stopped")]
    [rec] = by_type(run([stopped], [snapshot(7, cpu=None, changes=long_ago, status="stopped")]), "stopped_server")
    snap_price = PRICES[service_sku("selectel", "snapshot", "ru-2", "RUB")].monthly_price
    assert rec.evidence["days_stopped"] == 45
    assert rec.target_monthly == round(snap_price * 80, 2) > 0  # not 100 % of the cost
    assert rec.savings_monthly == round(rec.current_monthly - rec.target_monthly, 2) < rec.current_monthly


def test_unused_ip_counts_days_from_the_detach_not_the_creation() -> None:
    price = PRICES[service_sku("selectel", "reserved_ip", "ru-2", "RUB")].monthly_price
    ip = resource(
        8,
        resource_type="reserved_ip",
        service="network",
        status="unused",
        spec=Spec(),
        monthly_cost=price,
        created_at=NOW - timedelta(days=700),
    )
    detached = [StateChange(at=NOW - timedelta(days=6), from_status="active", to_status="unused")]
    assert not run([ip], [snapshot(8, cpu=None, changes=detached, status="unused")])
    detached = [StateChange(at=NOW - timedelta(days=30), from_status="active", to_status="unused")]
    [rec] = run([ip], [snapshot(8, cpu=None, changes=detached, status="unused")])
    assert rec.rec_type == "unused_ip" and rec.evidence["days_unused"] == 30 and rec.savings_monthly == price
    named = resource(
        8,
        resource_type="reserved_ip",
        service="network",
        status="unused",
        spec=Spec(),
        monthly_cost=price,
        tags={"dns": "api.example.ru"},
    )
    [cautious] = run([named], [snapshot(8, cpu=None, changes=detached, status="unused")])
    assert cautious.confidence < rec.confidence and "DNS" in cautious.evidence["caution"]


def test_old_snapshots_keep_the_newest_backup_of_a_live_source() -> None:
    source = resource(9)
    price = PRICES[service_sku("selectel", "snapshot", "ru-2", "RUB")].monthly_price

    def snap(rid: int, age: int, src: str) -> Resource:
        return resource(
            rid,
            resource_type="snapshot",
            service="backup",
            status="active",
            spec=Spec(disk_gb=80),
            monthly_cost=round(price * 80, 2),
            tags={"source_id": src},
            created_at=NOW - timedelta(days=age),
        )

    drafts = by_type(
        run([source, snap(10, 400, "9"), snap(11, 200, "9"), snap(12, 190, "gone"), snap(13, 30, "9")], [snapshot(9)]),
        "old_snapshot",
    )
    assert {d.resource_id: d.confidence for d in drafts} == {10: 0.9, 11: 0.9, 12: 0.6}
    only = by_type(run([source, snap(14, 400, "9")], [snapshot(9)]), "old_snapshot")
    assert only == []  # the only (so newest) snapshot of a live server is kept however old


def test_usd_resources_compare_with_usd_prices_only() -> None:
    sku = compute_sku("yandex", "standard", 4, 8, "ssd", 80, "ru-central1", "USD")
    res = resource(
        15, provider="yandex", region="ru-central1", currency="USD", monthly_cost=PRICES[sku].monthly_price * 1.5
    )
    [rec] = by_type(run([res]), "cross_provider_server")
    assert PRICES[rec.target_sku or ""].currency == "USD" and rec.currency == "USD"
