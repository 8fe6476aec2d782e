"""The demo dataset: generated deterministically from a seed and an end day, one tenant at a time
(so that the large benchmark dataset streams into COPY without being held in memory).

Every resource is priced from the catalog; its 180-day daily cost series follows its price with
weekly cycles (hourly-billed servers and autoscaled clusters dip at weekends), growth (resources
appear over time, usage-billed storage grows) and planted anomalies (service-level spikes, kept
in `TenantData.anomalies` so tests can check they are found).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .catalog import (
    DB_DISKS,
    DB_SHAPES,
    DBAAS_PROVIDERS,
    DISK_SIZES,
    KAFKA_DISKS,
    REDIS_SHAPES,
    REGIONS,
    SHAPES,
    build_catalog,
    catalog_index,
    compute_sku,
    dbaas_sku,
    service_sku,
)
from .engine import Engine, RecommendationDraft
from .model import Resource, Snapshot, Spec, StateChange
from .money import DAYS_PER_MONTH, round2

DEFAULT_SEED = 20250601
HISTORY_DAYS = 180
LARGE_MIN_COST_ROWS = 5_000_000


@dataclass(frozen=True)
class UserPlan:
    id: str
    email: str
    name: str
    role: str
    language: str = "ru"
    timezone: str = "Europe/Moscow"
    is_demo: bool = False


@dataclass(frozen=True)
class TenantPlan:
    id: str
    name: str
    currency: str
    connections: tuple[tuple[str, str, tuple[str, ...]], ...]  # (provider, name, regions)
    n_resources: int
    users: tuple[UserPlan, ...]
    anomalies: int = 3


DEMO_TENANTS: tuple[TenantPlan, ...] = (
    # Tenant "1001" is owned by user "1001": legacy InfraZen tokens (user_id=1001) land here.
    TenantPlan(
        "1001",
        "ООО «Ромашка Технологии»",
        "RUB",
        (
            ("selectel", "Selectel — основной", ("ru-2", "ru-1", "ru-9")),
            ("yandex", "Yandex Cloud — prod", ("ru-central1",)),
            ("beget", "Beget — сайты", ("ru-msk", "ru-spb")),
        ),
        200,
        (
            UserPlan("1001", "owner@romashka.example", "Анна Смирнова", "admin"),
            UserPlan("1002", "finops@romashka.example", "Игорь Петров", "user"),
            UserPlan("demo", "demo@infrazen.com", "Демо-пользователь", "demouser", is_demo=True),
        ),
    ),
    TenantPlan(
        "2002",
        "ИП Соколов",
        "RUB",
        (("selectel", "Selectel", ("ru-3",)),),
        40,
        (UserPlan("2002", "sokolov@example.ru", "Павел Соколов", "admin"),),
        anomalies=2,
    ),
    TenantPlan(
        "globex",
        "Globex Ltd",
        "USD",
        (("yandex", "Yandex Cloud (USD)", ("ru-central1",)), ("selectel", "Selectel (USD)", ("ru-2",))),
        70,
        (UserPlan("g-ops", "ops@globex.example", "Jordan Lee", "admin", "en", "Europe/London"),),
    ),
)

TYPE_WEIGHTS = (
    ("server", 46),
    ("volume", 10),
    ("snapshot", 12),
    ("reserved_ip", 8),
    ("load_balancer", 3),
    ("storage", 3),
    ("postgresql-cluster", 5),
    ("mysql-cluster", 3),
    ("redis-cluster", 3),
    ("kafka-cluster", 2),
    ("kubernetes-cluster", 5),
)
SHAPE_WEIGHTS = (20, 30, 25, 15, 7, 3)
SERVER_NAMES = ("web", "api", "worker", "app", "batch", "ci-runner", "gateway", "search", "cache", "etl", "ml")


@dataclass
class Planned:
    """One generated resource with what the series needs beyond the model."""

    resource: Resource
    running_monthly: float  # price while running (stopped servers are billed less since `stopped_at`)
    stopped_at: datetime | None = None
    weekly: float = 0.0  # weekend dip (fraction)
    growth: float = 0.0  # fractional growth per day (usage-billed services)
    noise: float = 0.01


@dataclass
class TenantData:
    plan: TenantPlan
    connections: list[dict[str, Any]]
    resources: list[Planned]
    snapshots: list[Snapshot]
    recommendations: list[tuple[int, str, RecommendationDraft]]  # (id, status, draft)
    anomalies: list[dict[str, Any]]
    start: date
    end: date
    cost_rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class IdAllocator:
    connection: int = 100
    resource: int = 10_000
    recommendation: int = 5_000

    def next(self, kind: str) -> int:
        value: int = getattr(self, kind) + 1
        setattr(self, kind, value)
        return value


def bench_tenant(index: int) -> TenantPlan:
    return TenantPlan(
        f"bench-{index:04d}",
        f"Bench tenant {index}",
        "RUB",
        (
            ("selectel", "Selectel", ("ru-2", "ru-1")),
            ("yandex", "Yandex Cloud", ("ru-central1",)),
            ("beget", "Beget", ("ru-msk",)),
        ),
        300,
        (UserPlan(f"bench-{index:04d}", f"bench{index}@example.ru", f"Bench {index}", "admin"),),
    )


def anchor(end_day: date) -> datetime:
    """'Now' of a dataset: 06:00 UTC on its end day (so a given end day always gives the same data)."""
    return datetime.combine(end_day, time(6, 0), tzinfo=UTC)


class _TenantGenerator:
    def __init__(self, plan: TenantPlan, seed: int, end_day: date, ids: IdAllocator):
        self.plan = plan
        self.rng = random.Random(f"{seed}:{plan.id}")
        self.end = end_day
        self.start = end_day - timedelta(days=HISTORY_DAYS - 1)
        self.now = anchor(end_day)
        self.ids = ids
        self.prices = catalog_index()
        self.cur = plan.currency
        self.conns: list[dict[str, Any]] = []
        for provider, name, regions in plan.connections:
            self.conns.append(
                {
                    "id": ids.next("connection"),
                    "tenant_id": plan.id,
                    "provider": provider,
                    "name": name,
                    "regions": regions,
                    "status": "ok",
                    "last_sync_at": self.now - timedelta(minutes=37),
                    "created_at": self.now - timedelta(days=420),
                }
            )
        self.planned: list[Planned] = []
        self.snapshots: list[Snapshot] = []
        self.counters: dict[str, int] = {}

    # --- helpers
    def _name(self, stem: str) -> str:
        self.counters[stem] = self.counters.get(stem, 0) + 1
        return f"{stem}-{self.counters[stem]:02d}"

    def _conn(self, providers: tuple[str, ...] | None = None) -> dict[str, Any] | None:
        options = [c for c in self.conns if providers is None or c["provider"] in providers]
        return self.rng.choice(options) if options else None

    def _created(self, young_share: float = 0.35) -> datetime:
        # A share of resources appears inside the window: that is the tenant's growth.
        days = (
            self.rng.uniform(1, HISTORY_DAYS - 5)
            if self.rng.random() < young_share
            else self.rng.uniform(HISTORY_DAYS, 600)
        )
        return self.now - timedelta(days=days, minutes=self.rng.randint(0, 1439))

    def _add(
        self,
        conn: dict[str, Any],
        rtype: str,
        service: str,
        name: str,
        region: str,
        status: str,
        spec: Spec,
        sku: str | None,
        monthly: float,
        *,
        tags: dict[str, str] | None = None,
        created: datetime | None = None,
        running_monthly: float | None = None,
        stopped_at: datetime | None = None,
        weekly: float = 0.0,
        growth: float = 0.0,
        noise: float = 0.01,
    ) -> Planned:
        created = created or self._created()
        res = Resource(
            id=self.ids.next("resource"),
            name=name,
            provider=conn["provider"],
            connection_id=conn["id"],
            connection_name=conn["name"],
            resource_type=rtype,
            service=service,
            region=region,  # type: ignore[arg-type]
            geo=REGIONS[conn["provider"]][region],
            status=status,
            spec=spec,
            sku=sku,  # type: ignore[arg-type]
            monthly_cost=round2(monthly),
            currency=self.cur,
            tags=tags or {},
            created_at=created,
            updated_at=self.now - timedelta(minutes=self.rng.randint(5, 600)),
        )
        item = Planned(
            res, round2(running_monthly if running_monthly is not None else monthly), stopped_at, weekly, growth, noise
        )
        self.planned.append(item)
        return item

    def _snapshot(
        self,
        res: Resource,
        *,
        cpu: tuple[float, float] | None = None,
        ram: tuple[float, float] | None = None,
        changes: list[StateChange] | None = None,
        taken_days_ago: float = 0.0,
    ) -> None:
        taken = self.now - timedelta(days=taken_days_ago, minutes=self.rng.randint(10, 300))
        self.snapshots.append(
            Snapshot(
                resource_id=res.id,
                taken_at=taken,
                window_days=30,
                status=res.status,
                cpu_avg_pct=round(cpu[0], 2) if cpu else None,
                cpu_p95_pct=round(cpu[1], 2) if cpu else None,
                ram_avg_pct=round(ram[0], 2) if ram else None,
                ram_p95_pct=round(ram[1], 2) if ram else None,
                net_in_gb=round(self.rng.uniform(1, 400), 3) if cpu else None,
                net_out_gb=round(self.rng.uniform(1, 250), 3) if cpu else None,
                state_changes=changes or [],
            )
        )

    def _usage(self, idle: bool) -> tuple[tuple[float, float], tuple[float, float]]:
        r = self.rng
        if idle:
            avg = r.uniform(1.5, 8.0)
            cpu = (avg, min(r.uniform(2.0, 4.0) * avg, 35.0))
            ram_avg = r.uniform(12, 30)
        else:
            avg = r.uniform(14, 68)
            cpu = (avg, min(avg * r.uniform(1.3, 1.9), 100.0))
            ram_avg = r.uniform(30, 82)
        return cpu, (ram_avg, min(ram_avg * r.uniform(1.05, 1.25), 100.0))

    # --- resource kinds
    def server(
        self,
        *,
        provider: str | None = None,
        region: str | None = None,
        shape: tuple[int, int] | None = None,
        disk_type: str | None = None,
        disk_gb: int | None = None,
        cpu_class: str | None = None,
        status: str | None = None,
        idle: bool | None = None,
        stopped_days: float | None = None,
        name: str | None = None,
    ) -> Planned:
        r = self.rng
        conn = self._conn((provider,) if provider else None)
        assert conn is not None
        prov = conn["provider"]
        region = region or r.choice(conn["regions"])
        vcpu, ram = shape or r.choices(SHAPES, weights=SHAPE_WEIGHTS)[0]
        if prov == "beget":
            vcpu, ram = (vcpu, ram) if (vcpu, ram) in SHAPES[:5] else SHAPES[1]
            cls, dtype = "standard", "nvme"
            disk = {1: 30, 2: 60, 4: 120, 8: 160, 16: 320}[vcpu]
        else:
            cls = cpu_class or r.choices(("standard", "high_freq", "burstable_50"), weights=(80, 10, 10))[0]
            dtype = disk_type or r.choices(("hdd", "ssd", "nvme"), weights=(15, 60, 25))[0]
            disk = disk_gb or r.choices(DISK_SIZES, weights=(15, 35, 30, 15, 5))[0]
        sku = compute_sku(prov, cls, vcpu, ram, dtype, disk, region, self.cur)
        if sku not in self.prices:  # class or disk type not sold there: fall back to the common one
            cls = "standard"
            dtype = dtype if compute_sku(prov, cls, vcpu, ram, dtype, disk, region, self.cur) in self.prices else "ssd"
            sku = compute_sku(prov, cls, vcpu, ram, dtype, disk, region, self.cur)
        row = self.prices[sku]
        status = status or ("stopped" if r.random() < 0.12 else "running")
        spec = Spec(vcpu=vcpu, ram_gb=ram, disk_gb=disk, disk_type=dtype, cpu_class=cls)  # type: ignore[arg-type]
        name = name or self._name(r.choice(SERVER_NAMES))
        tags = {"env": r.choice(("prod", "prod", "stage", "dev")), "team": r.choice(("core", "data", "web", "ops"))}
        if status == "stopped":
            days = stopped_days if stopped_days is not None else r.uniform(3, 120)
            stopped_at = self.now - timedelta(days=days, hours=r.uniform(0, 12))
            created = min(self._created(0.1), stopped_at - timedelta(days=r.uniform(20, 200)))
            if prov == "beget":
                stopped_monthly = row.monthly_price  # a Beget plan is billed whole, stopped or not
            else:
                vol = self.prices[service_sku(prov, "volume", region, self.cur, dtype)]
                stopped_monthly = vol.monthly_price * disk
            item = self._add(
                conn,
                "server",
                "compute",
                name,
                region,
                "stopped",
                spec,
                sku,
                stopped_monthly,
                tags=tags,
                created=created,
                running_monthly=row.monthly_price,
                stopped_at=stopped_at,
                weekly=0.0,
                noise=0.002,
            )
            self._snapshot(
                item.resource, changes=[StateChange(at=stopped_at, from_status="running", to_status="stopped")]
            )
            return item
        item = self._add(
            conn,
            "server",
            "compute",
            name,
            region,
            "running",
            spec,
            sku,
            row.monthly_price,
            tags=tags,
            weekly=0.08 if r.random() < 0.5 else 0.0,
            noise=0.015,
        )
        is_idle = idle if idle is not None else r.random() < 0.22
        cpu, ram_use = self._usage(is_idle)
        self._snapshot(item.resource, cpu=self._usage(False)[0], ram=ram_use, taken_days_ago=30)
        self._snapshot(item.resource, cpu=cpu, ram=ram_use)
        return item

    def volume(self) -> None:
        conn = self._conn(("selectel", "yandex", "vkcloud"))
        if conn is None:
            return
        region = self.rng.choice(conn["regions"])
        dtype = self.rng.choice(("hdd", "ssd", "ssd", "nvme"))
        sku = service_sku(conn["provider"], "volume", region, self.cur, dtype)
        if sku not in self.prices:
            dtype, sku = "ssd", service_sku(conn["provider"], "volume", region, self.cur, "ssd")
        gb = self.rng.choice((50, 100, 200, 500, 1000))
        item = self._add(
            conn,
            "volume",
            "block-storage",
            self._name("vol"),
            region,
            "active",
            Spec(disk_gb=gb, disk_type=dtype),
            sku,
            self.prices[sku].monthly_price * gb,  # type: ignore[arg-type]
            noise=0.002,
        )
        self._snapshot(item.resource)

    def snapshot_chain(self, source: Planned | None, ages: list[float]) -> None:
        if source is None:
            return
        res = source.resource
        conn = next(c for c in self.conns if c["id"] == res.connection_id)
        sku = service_sku(conn["provider"], "snapshot", res.region, self.cur)
        gb = res.spec.disk_gb or 50
        for age in ages:
            created = self.now - timedelta(days=age, hours=self.rng.uniform(0, 20))
            item = self._add(
                conn,
                "snapshot",
                "backup",
                f"{res.name}-snap-{created:%Y%m%d}",
                res.region,
                "active",
                Spec(disk_gb=gb),
                sku,
                self.prices[sku].monthly_price * gb,
                tags={"source_id": str(res.id)},
                created=created,
                noise=0.0,
            )
            self._snapshot(item.resource)

    def orphan_snapshot(self, age: float) -> None:
        conn = self._conn()
        assert conn is not None
        region = self.rng.choice(conn["regions"])
        sku = service_sku(conn["provider"], "snapshot", region, self.cur)
        gb = self.rng.choice((40, 80, 160))
        created = self.now - timedelta(days=age)
        item = self._add(
            conn,
            "snapshot",
            "backup",
            f"legacy-snap-{created:%Y%m%d}",
            region,
            "active",
            Spec(disk_gb=gb),
            sku,
            self.prices[sku].monthly_price * gb,
            tags={"source_id": f"deleted-{self.rng.randint(1000, 9999)}"},
            created=created,
            noise=0.0,
        )
        self._snapshot(item.resource)

    def reserved_ip(self, *, unused_days: float | None = None, dns: bool = False) -> None:
        conn = self._conn()
        assert conn is not None
        region = self.rng.choice(conn["regions"])
        sku = service_sku(conn["provider"], "reserved_ip", region, self.cur)
        unused = unused_days is not None or self.rng.random() < 0.2
        created = self._created(0.1)
        changes: list[StateChange] = []
        if unused:
            days = unused_days if unused_days is not None else self.rng.uniform(2, 90)
            created = min(created, self.now - timedelta(days=days + self.rng.uniform(30, 300)))
            changes = [StateChange(at=self.now - timedelta(days=days), from_status="active", to_status="unused")]
        n = self.counters.get("ip", 0) + 1
        tags = {"dns": f"ip{n}.example.ru"} if dns else {}
        item = self._add(
            conn,
            "reserved_ip",
            "network",
            self._name("ip"),
            region,
            "unused" if unused else "active",
            Spec(),
            sku,
            self.prices[sku].monthly_price,
            tags=tags,
            created=created,
            noise=0.0,
        )
        self._snapshot(item.resource, changes=changes)

    def simple(self, rtype: str) -> None:
        service = {"load_balancer": "load_balancer", "storage": "object"}[rtype]
        conn = self._conn(("selectel", "yandex", "vkcloud"))
        if conn is None:
            return
        region = self.rng.choice(conn["regions"])
        sku = service_sku(conn["provider"], service, region, self.cur)
        if rtype == "storage":
            gb = self.rng.choice((200, 500, 1000, 3000))
            item = self._add(
                conn,
                "storage",
                "object-storage",
                self._name("bucket"),
                region,
                "active",
                Spec(disk_gb=gb),
                sku,
                self.prices[sku].monthly_price * gb,
                growth=0.002,
                noise=0.03,
            )
        else:
            item = self._add(
                conn,
                "load_balancer",
                "network",
                self._name("lb"),
                region,
                "active",
                Spec(),
                sku,
                self.prices[sku].monthly_price,
                noise=0.01,
            )
        self._snapshot(item.resource)

    def database(self, rtype: str, *, provider: str | None = None, nodes: int | None = None) -> None:
        engine = rtype.removesuffix("-cluster")
        conn = self._conn((provider,) if provider else tuple(DBAAS_PROVIDERS))
        if conn is None:
            return
        regions = [g for g in conn["regions"] if g in DBAAS_PROVIDERS[conn["provider"]]]
        if not regions:
            return
        region = self.rng.choice(regions)
        shapes = REDIS_SHAPES if engine == "redis" else DB_SHAPES
        vcpu, ram = self.rng.choice(shapes)
        disk = None if engine == "redis" else self.rng.choice(KAFKA_DISKS if engine == "kafka" else DB_DISKS)
        n = nodes or self.rng.choice((1, 2, 3) if engine != "kafka" else (3,))
        sku = dbaas_sku(conn["provider"], engine, vcpu, ram, disk, region, self.cur)
        row = self.prices[sku]
        spec = Spec(
            vcpu=vcpu, ram_gb=ram, disk_gb=disk, disk_type="ssd" if disk else None, cpu_class="standard", nodes=n
        )
        item = self._add(
            conn,
            rtype,
            f"managed-{engine}",
            self._name(f"{engine}-db" if engine != "kafka" else "kafka"),
            region,
            "active",
            spec,
            sku,
            row.monthly_price * n,
            tags={"engine": engine},
            noise=0.005,
        )
        self._snapshot(item.resource, cpu=self._usage(False)[0], ram=self._usage(False)[1])

    def kubernetes(self) -> None:
        conn = self._conn(("selectel", "yandex", "vkcloud"))
        if conn is None:
            return
        region = self.rng.choice(conn["regions"])
        cp = self.prices[service_sku(conn["provider"], "control_plane", region, self.cur)]
        vcpu, ram = self.rng.choice(SHAPES[1:4])
        node_sku = compute_sku(conn["provider"], "standard", vcpu, ram, "ssd", 80, region, self.cur)
        n = self.rng.randint(2, 6)
        monthly = cp.monthly_price + self.prices[node_sku].monthly_price * n
        spec = Spec(vcpu=vcpu, ram_gb=ram, disk_gb=80, disk_type="ssd", cpu_class="standard", nodes=n)
        item = self._add(
            conn,
            "kubernetes-cluster",
            "managed-kubernetes",
            self._name("k8s"),
            region,
            "active",
            spec,
            cp.sku,
            monthly,
            tags={"node_sku": node_sku},
            weekly=0.15,
            noise=0.03,
        )
        self._snapshot(item.resource, cpu=self._usage(False)[0], ram=self._usage(False)[1])

    # --- the tenant
    def generate(self) -> None:
        providers = [c["provider"] for c in self.conns]
        # Planted cases first, so every recommendation type exists whatever the random draw.
        main = providers[0]
        self.server(
            provider=main,
            region=self.conns[0]["regions"][0],
            shape=(4, 8),
            disk_type="ssd",
            disk_gb=80,
            cpu_class="standard",
            status="running",
            idle=False,
            name="web-main",
        )
        self.server(
            provider=main,
            region=self.conns[0]["regions"][0],
            shape=(8, 16),
            disk_type="ssd",
            disk_gb=40,
            cpu_class="standard",
            status="running",
            idle=True,
            name="reports-idle",
        )
        self.server(
            provider=main,
            shape=(2, 4),
            disk_type="ssd",
            disk_gb=160,
            status="stopped",
            stopped_days=47,
            name="legacy-stopped",
        )
        self.server(provider=main, shape=(2, 4), status="stopped", stopped_days=5, name="maint-stopped")
        src = self.server(
            provider=main,
            shape=(2, 4),
            disk_type="ssd",
            disk_gb=40,
            status="running",
            idle=False,
            name="db-backup-host",
        )
        self.snapshot_chain(src, [420.0, 250.0, 12.0])
        self.orphan_snapshot(300.0)
        self.reserved_ip(unused_days=33)
        self.reserved_ip(unused_days=4)
        self.reserved_ip(unused_days=61, dns=True)
        if any(p in DBAAS_PROVIDERS for p in providers):
            self.database("postgresql-cluster", nodes=3)
            self.database("redis-cluster", nodes=2)
        weights = [w for _, w in TYPE_WEIGHTS]
        kinds = [k for k, _ in TYPE_WEIGHTS]
        while len(self.planned) < self.plan.n_resources:
            kind = self.rng.choices(kinds, weights=weights)[0]
            if kind == "server":
                self.server()
            elif kind == "volume":
                self.volume()
            elif kind == "snapshot":
                servers = [p for p in self.planned if p.resource.resource_type == "server"]
                source = self.rng.choice(servers) if servers else None
                self.snapshot_chain(
                    source, sorted((self.rng.uniform(3, 420) for _ in range(self.rng.randint(1, 3))), reverse=True)
                )
            elif kind == "reserved_ip":
                self.reserved_ip()
            elif kind in ("load_balancer", "storage"):
                self.simple(kind)
            elif kind.endswith("-cluster") and kind != "kubernetes-cluster":
                self.database(kind)
            else:
                self.kubernetes()


def _plant_anomalies(gen: _TenantGenerator, count: int) -> list[dict[str, Any]]:
    rng = random.Random(f"anomalies:{gen.plan.id}:{gen.rng.random()}")
    spend: dict[tuple[str, str], float] = {}
    for p in gen.planned:
        key = (p.resource.provider, p.resource.service)
        spend[key] = spend.get(key, 0.0) + p.resource.monthly_cost
    candidates = sorted(spend, key=lambda k: -spend[k])[:4]
    out = []
    offsets = [rng.randint(3, 25)] + [rng.randint(40, HISTORY_DAYS - 40) for _ in range(count - 1)]
    for i, back in enumerate(offsets):
        provider, service = candidates[i % len(candidates)]
        day = gen.end - timedelta(days=back)
        out.append({"day": day, "provider": provider, "service": service, "factor": round(rng.uniform(1.8, 2.6), 2)})
    return out


def _daily_rows(data: TenantData) -> Iterator[tuple[int, date, str, str, float]]:
    """(resource_id, day, provider, service, amount per day) for the whole window."""
    spikes = {(a["day"], a["provider"], a["service"]): a["factor"] for a in data.anomalies}
    days = [data.start + timedelta(days=i) for i in range((data.end - data.start).days + 1)]
    weekend = [d.weekday() >= 5 for d in days]
    for p in data.resources:
        res = p.resource
        rng = random.Random(res.id)
        noise = [1 + rng.uniform(-p.noise, p.noise) for _ in days] if p.noise else None
        created = res.created_at.date()
        stopped = p.stopped_at.date() if p.stopped_at else None
        for i, day in enumerate(days):
            if day < created:
                continue
            monthly = p.running_monthly if stopped is None or day < stopped else res.monthly_cost
            amount = monthly / DAYS_PER_MONTH
            if p.weekly and weekend[i] and (stopped is None or day < stopped):
                amount *= 1 - p.weekly
            if p.growth:
                amount *= 1 - p.growth * (len(days) - 1 - i)
            if noise is not None:
                amount *= noise[i]
            factor = spikes.get((day, res.provider, res.service))
            if factor:
                amount *= factor
            yield res.id, day, res.provider, res.service, round(amount, 4)


def generate_tenant(plan: TenantPlan, *, seed: int, end_day: date, ids: IdAllocator) -> TenantData:
    gen = _TenantGenerator(plan, seed, end_day, ids)
    gen.generate()
    anomalies = _plant_anomalies(gen, plan.anomalies)
    latest: dict[int, Snapshot] = {}
    for snap in gen.snapshots:
        if snap.resource_id not in latest or snap.taken_at > latest[snap.resource_id].taken_at:
            latest[snap.resource_id] = snap
    drafts = Engine(build_catalog(), gen.now).run((p.resource for p in gen.planned), latest)
    status_rng = random.Random(f"status:{seed}:{plan.id}")
    recs = []
    for draft in drafts:
        status = status_rng.choices(
            ("pending", "seen", "snoozed", "dismissed", "implemented"), weights=(80, 8, 4, 4, 4)
        )[0]
        recs.append((ids.next("recommendation"), status, draft))
    return TenantData(
        plan=plan,
        connections=gen.conns,
        resources=gen.planned,
        snapshots=gen.snapshots,
        recommendations=recs,
        anomalies=anomalies,
        start=gen.start,
        end=gen.end,
    )


def daily_rows(data: TenantData) -> Iterator[tuple[int, date, str, str, float]]:
    return _daily_rows(data)
