"""The typed price catalog the demo dataset, the engine and the tools price with.

Selectel rows are built from Selectel's real public price list (kopecks per hour per unit,
`prices/selectel_vpc_prices.json`, carried in the package); Yandex Cloud, VK Cloud and Beget rows
are an illustrative list modelled on their public prices, each row stating its unit prices and
source. Compute, DBaaS and Kubernetes rows are different kinds and never compared with each other.
Configurations (flavour + disk) are priced whole so that a SKU's monthly price is one number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .model import PriceRow, Spec, UnitPrice
from .money import HOURS_PER_MONTH, kopecks_per_hour_to_monthly_rub, round2

CATALOG_VERSION = "2025.06-demo.1"
SELECTEL_SOURCE = "Selectel billing API public price list (kopecks/hour per unit); disk prices approximate"
ILLUSTRATIVE_SOURCE = "illustrative list modelled on public list prices; not a quote"

PROVIDERS = ("selectel", "yandex", "vkcloud", "beget")
PROVIDER_NAMES = {"selectel": "Selectel", "yandex": "Yandex Cloud", "vkcloud": "VK Cloud", "beget": "Beget"}
# Providers of imported FOCUS bills (imports/): their slugs as the bills' ProviderName gives them.
PROVIDER_NAMES.update({"aws": "AWS", "microsoft": "Microsoft", "google-cloud": "Google Cloud", "oracle": "Oracle"})
PREFIX = {"selectel": "sel", "yandex": "yc", "vkcloud": "vk", "beget": "beget"}

# Region -> geography: equivalence needs the same metro area (latency, data residency).
REGIONS: dict[str, dict[str, str]] = {
    "selectel": {"ru-1": "spb", "ru-2": "moscow", "ru-3": "spb", "ru-9": "moscow"},
    "yandex": {"ru-central1": "moscow"},
    "vkcloud": {"ru-msk": "moscow"},
    "beget": {"ru-spb": "spb", "ru-msk": "moscow"},
}
SHAPES: tuple[tuple[int, int], ...] = ((1, 2), (2, 4), (4, 8), (8, 16), (16, 32), (32, 64))
DISK_SIZES: tuple[int, ...] = (20, 40, 80, 160, 320)
DISK_RANK = {"hdd": 0, "ssd": 1, "nvme": 2}
# Beget sells fixed VPS plans with NVMe included: (vCPU, RAM GB) -> (disk GB, RUB/month).
BEGET_PLANS: dict[tuple[int, int], tuple[int, float]] = {
    (1, 2): (30, 530.0),
    (2, 4): (60, 1030.0),
    (4, 8): (120, 2080.0),
    (8, 16): (160, 4100.0),
    (16, 32): (320, 8200.0),
}
DB_SHAPES: tuple[tuple[int, int], ...] = ((2, 4), (2, 8), (4, 8), (4, 16), (8, 32))
REDIS_SHAPES: tuple[tuple[int, int], ...] = ((1, 2), (2, 4), (2, 8), (4, 16))
DB_DISKS: tuple[int, ...] = (20, 50, 100, 200)
KAFKA_DISKS: tuple[int, ...] = (100, 200)


@dataclass(frozen=True)
class HourlyRates:
    """Illustrative per-unit rates: vCPU and RAM per hour, disks per GB per month."""

    currency: str
    vcpu_h: dict[str, float]  # cpu class -> price per vCPU-hour
    ram_h: dict[str, float]  # cpu class -> price per GB-hour
    disk_m: dict[str, float]  # disk type -> price per GB-month
    snapshot_m: float
    object_m: float
    ip_h: float
    lb_h: float
    k8s_cp_h: float


ILLUSTRATIVE: dict[tuple[str, str], HourlyRates] = {
    ("yandex", "RUB"): HourlyRates(
        "RUB",
        {"standard": 1.12, "burstable_50": 0.62, "high_freq": 1.47},
        {"standard": 0.2976, "burstable_50": 0.2976, "high_freq": 0.39},
        {"hdd": 2.92, "ssd": 11.91, "nvme": 15.12},
        3.65,
        2.01,
        0.2,
        1.68,
        10.0,
    ),
    ("vkcloud", "RUB"): HourlyRates(
        "RUB", {"standard": 0.98}, {"standard": 0.33}, {"hdd": 3.5, "ssd": 10.5}, 3.2, 1.9, 0.25, 1.9, 8.0
    ),
    ("yandex", "USD"): HourlyRates(
        "USD",
        {"standard": 0.0125, "burstable_50": 0.007, "high_freq": 0.0165},
        {"standard": 0.0033, "burstable_50": 0.0033, "high_freq": 0.0044},
        {"hdd": 0.035, "ssd": 0.14, "nvme": 0.18},
        0.045,
        0.024,
        0.0025,
        0.02,
        0.12,
    ),
    ("selectel", "USD"): HourlyRates(
        "USD",
        {"standard": 0.0102, "high_freq": 0.0135},
        {"standard": 0.0037, "high_freq": 0.0044},
        {"hdd": 0.1, "ssd": 0.41, "nvme": 0.61},
        0.3,
        0.025,
        0.0034,
        0.024,
        0.0,
    ),
    ("vkcloud", "USD"): HourlyRates(
        "USD", {"standard": 0.011}, {"standard": 0.0038}, {"hdd": 0.04, "ssd": 0.12}, 0.04, 0.022, 0.003, 0.022, 0.1
    ),
}
# Managed engines cost more than bare VMs, and not by the same factor (Redis is RAM-priced,
# Kafka brokers carry a premium): one explicit factor per engine.
ENGINE_PREMIUM = {"postgresql": 1.35, "mysql": 1.3, "redis": 1.5, "kafka": 1.6}
DBAAS_PROVIDERS = {"selectel": ("ru-1", "ru-2", "ru-9"), "yandex": ("ru-central1",), "vkcloud": ("ru-msk",)}

SELECTEL_CLASSES = {  # cpu class -> (cores resource, ram resource) in Selectel's list
    "standard": ("compute_cores", "compute_ram"),
    "high_freq": ("compute_cores_high_freq", "compute_ram_high_freq"),
    "burstable_50": ("compute_cores_percent_50", "compute_ram"),
}
SELECTEL_DISKS = {"hdd": "volume_gigabytes_basic", "ssd": "volume_gigabytes_universal", "nvme": "volume_gigabytes_fast"}


@lru_cache(maxsize=1)
def selectel_price_list() -> dict[tuple[str, str], float]:
    """(resource, group) -> kopecks per hour per unit, from the packaged price list."""
    text = resources.files("infrazen_agent.data").joinpath("prices/selectel_vpc_prices.json").read_text("utf-8")
    return {(row["resource"], row["group"]): float(row["value"]) for row in json.loads(text)}


def _selectel_rate(resource: str, region: str) -> float | None:
    """A region's price is its first zone's (ru-2 -> ru-2a, ru-2b…), or the region row itself."""
    prices = selectel_price_list()
    if (resource, region) in prices:
        return prices[(resource, region)]
    for zone in "abcd":
        if (resource, f"{region}{zone}") in prices:
            return prices[(resource, f"{region}{zone}")]
    return None


def _sku(provider: str, *parts: str, currency: str) -> str:
    base = ".".join((PREFIX[provider], *parts))
    return base if currency == "RUB" else f"{base}.{currency.lower()}"


def _row(
    kind: str,
    provider: str,
    sku: str,
    region: str,
    service: str,
    spec: Spec,
    billing_unit: str,
    monthly: float,
    currency: str,
    units: list[UnitPrice],
    source: str,
) -> PriceRow:
    return PriceRow.model_validate(
        {
            "kind": kind,
            "provider": provider,
            "sku": sku,
            "region": region,
            "geo": REGIONS[provider][region],
            "service": service,
            "spec": spec,
            "billing_unit": billing_unit,
            "monthly_price": round2(monthly),
            "currency": currency,
            "unit_prices": units,
            "source": source,
            "version": CATALOG_VERSION,
        }
    )


def _selectel_rub() -> Iterator[PriceRow]:
    for region in REGIONS["selectel"]:
        disk_rates = {t: _selectel_rate(r, region) for t, r in SELECTEL_DISKS.items()}
        for cls, (cores_res, ram_res) in SELECTEL_CLASSES.items():
            core, ram_mb = _selectel_rate(cores_res, region), _selectel_rate(ram_res, region)
            if core is None or ram_mb is None:
                continue  # the class is not sold in this region
            for vcpu, ram in SHAPES:
                for dtype, disk_rate in disk_rates.items():
                    if disk_rate is None:
                        continue
                    for disk in DISK_SIZES:
                        kop_h = vcpu * core + ram * 1024 * ram_mb + disk * disk_rate
                        units = [
                            UnitPrice(component="vcpu", unit="kopecks/vCPU/hour", price=core),
                            UnitPrice(component="ram", unit="kopecks/MB/hour", price=ram_mb),
                            UnitPrice(component="disk", unit="kopecks/GB/hour", price=disk_rate),
                        ]
                        yield _row(
                            "compute",
                            "selectel",
                            _sku("selectel", cls, f"{vcpu}c{ram}g", f"{dtype}{disk}", region, currency="RUB"),
                            region,
                            "server",
                            Spec(vcpu=vcpu, ram_gb=ram, disk_gb=disk, disk_type=dtype, cpu_class=cls),
                            "per_instance",
                            kopecks_per_hour_to_monthly_rub(kop_h),
                            "RUB",
                            units,
                            SELECTEL_SOURCE,
                        )
        for dtype, disk_rate in disk_rates.items():
            if disk_rate is not None:
                yield _row(
                    "storage",
                    "selectel",
                    _sku("selectel", "volume", dtype, region, currency="RUB"),
                    region,
                    "volume",
                    Spec(disk_type=dtype),
                    "per_gb",
                    kopecks_per_hour_to_monthly_rub(disk_rate),
                    "RUB",
                    [UnitPrice(component="disk", unit="kopecks/GB/hour", price=disk_rate)],
                    SELECTEL_SOURCE,
                )
        extras = (
            ("storage", "snapshot", "snapshot_gigabytes_basic", "per_gb", "kopecks/GB/hour"),
            ("storage", "object", "share_gigabytes_basic", "per_gb", "kopecks/GB/hour"),
            ("network", "reserved_ip", "network_floatingips", "per_ip", "kopecks/IP/hour"),
            ("network", "load_balancer", "load_balancers_single_2_1024", "per_instance", "kopecks/balancer/hour"),
        )
        for kind, service, res, billing, unit in extras:
            rate = _selectel_rate(res, region) or _selectel_rate(res, "ru-1")
            assert rate is not None, res
            yield _row(
                kind,
                "selectel",
                _sku("selectel", service.replace("_", "-"), region, currency="RUB"),
                region,
                service,
                Spec(),
                billing,
                kopecks_per_hour_to_monthly_rub(rate),
                "RUB",
                [UnitPrice(component=service, unit=unit, price=rate)],
                SELECTEL_SOURCE,
            )
        # Managed Kubernetes: Selectel's base control plane is free; nodes are priced as compute.
        yield _row(
            "kubernetes",
            "selectel",
            _sku("selectel", "k8s", "control-plane", region, currency="RUB"),
            region,
            "control_plane",
            Spec(),
            "per_cluster",
            0.0,
            "RUB",
            [UnitPrice(component="control_plane", unit="RUB/cluster/month", price=0.0)],
            SELECTEL_SOURCE,
        )


def _illustrative(provider: str, rates: HourlyRates) -> Iterator[PriceRow]:
    cur = rates.currency
    unit = {"h": f"{cur}/vCPU/hour", "r": f"{cur}/GB/hour", "d": f"{cur}/GB/month"}
    for region in REGIONS[provider]:
        for cls, vcpu_h in rates.vcpu_h.items():
            ram_h = rates.ram_h[cls]
            for vcpu, ram in SHAPES:
                for dtype, disk_m in rates.disk_m.items():
                    for disk in DISK_SIZES:
                        monthly = (vcpu * vcpu_h + ram * ram_h) * HOURS_PER_MONTH + disk * disk_m
                        units = [
                            UnitPrice(component="vcpu", unit=unit["h"], price=vcpu_h),
                            UnitPrice(component="ram", unit=unit["r"], price=ram_h),
                            UnitPrice(component="disk", unit=unit["d"], price=disk_m),
                        ]
                        yield _row(
                            "compute",
                            provider,
                            _sku(provider, cls, f"{vcpu}c{ram}g", f"{dtype}{disk}", region, currency=cur),
                            region,
                            "server",
                            Spec(vcpu=vcpu, ram_gb=ram, disk_gb=disk, disk_type=dtype, cpu_class=cls),
                            "per_instance",
                            monthly,
                            cur,
                            units,
                            ILLUSTRATIVE_SOURCE,
                        )
        for dtype, disk_m in rates.disk_m.items():
            yield _row(
                "storage",
                provider,
                _sku(provider, "volume", dtype, region, currency=cur),
                region,
                "volume",
                Spec(disk_type=dtype),
                "per_gb",
                disk_m,
                cur,
                [UnitPrice(component="disk", unit=unit["d"], price=disk_m)],
                ILLUSTRATIVE_SOURCE,
            )
        per_month = (
            ("storage", "snapshot", rates.snapshot_m, "per_gb", f"{cur}/GB/month"),
            ("storage", "object", rates.object_m, "per_gb", f"{cur}/GB/month"),
        )
        for kind, service, price, billing, u in per_month:
            yield _row(
                kind,
                provider,
                _sku(provider, service, region, currency=cur),
                region,
                service,
                Spec(),
                billing,
                price,
                cur,
                [UnitPrice(component=service, unit=u, price=price)],
                ILLUSTRATIVE_SOURCE,
            )
        hourly = (
            ("network", "reserved_ip", rates.ip_h, "per_ip", f"{cur}/IP/hour"),
            ("network", "load_balancer", rates.lb_h, "per_instance", f"{cur}/balancer/hour"),
            ("kubernetes", "control_plane", rates.k8s_cp_h, "per_cluster", f"{cur}/cluster/hour"),
        )
        for kind, service, price, billing, u in hourly:
            name = {
                "reserved_ip": "reserved-ip",
                "load_balancer": "load-balancer",
                "control_plane": "k8s.control-plane",
            }[service]
            yield _row(
                kind,
                provider,
                _sku(provider, name, region, currency=cur),
                region,
                service,
                Spec(),
                billing,
                price * HOURS_PER_MONTH,
                cur,
                [UnitPrice(component=service, unit=u, price=price)],
                ILLUSTRATIVE_SOURCE,
            )


def _beget() -> Iterator[PriceRow]:
    for region in REGIONS["beget"]:
        for (vcpu, ram), (disk, price) in BEGET_PLANS.items():
            yield _row(
                "compute",
                "beget",
                _sku("beget", "vps", f"{vcpu}c{ram}g", f"nvme{disk}", region, currency="RUB"),
                region,
                "server",
                Spec(vcpu=vcpu, ram_gb=ram, disk_gb=disk, disk_type="nvme", cpu_class="standard"),
                "per_instance",
                price,
                "RUB",
                [UnitPrice(component="plan", unit="RUB/plan/month", price=price)],
                ILLUSTRATIVE_SOURCE,
            )
        for kind, service, price, billing, u in (
            ("storage", "snapshot", 4.0, "per_gb", "RUB/GB/month"),
            ("storage", "object", 1.5, "per_gb", "RUB/GB/month"),
            ("network", "reserved_ip", 150.0, "per_ip", "RUB/IP/month"),
        ):
            name = service.replace("_", "-")
            yield _row(
                kind,
                "beget",
                _sku("beget", name, region, currency="RUB"),
                region,
                service,
                Spec(),
                billing,
                price,
                "RUB",
                [UnitPrice(component=service, unit=u, price=price)],
                ILLUSTRATIVE_SOURCE,
            )


def _dbaas_rates(provider: str, currency: str) -> tuple[float, float, float, str]:
    """Base VM rates (vCPU-hour, GB-hour, SSD GB-month) the engine premiums apply to."""
    if provider == "selectel" and currency == "RUB":
        region = "ru-2"
        core = _selectel_rate("compute_cores", region)
        ram_mb = _selectel_rate("compute_ram", region)
        disk = _selectel_rate("volume_gigabytes_universal", region)
        assert core is not None and ram_mb is not None and disk is not None
        return core / 100, ram_mb * 1024 / 100, kopecks_per_hour_to_monthly_rub(disk), SELECTEL_SOURCE
    rates = ILLUSTRATIVE[(provider, currency)]
    return rates.vcpu_h["standard"], rates.ram_h["standard"], rates.disk_m["ssd"], ILLUSTRATIVE_SOURCE


def _dbaas(currency: str) -> Iterator[PriceRow]:
    for provider, regions in DBAAS_PROVIDERS.items():
        vcpu_h, ram_h, disk_m, source = _dbaas_rates(provider, currency)
        for region in regions:
            for engine, premium in ENGINE_PREMIUM.items():
                shapes = REDIS_SHAPES if engine == "redis" else DB_SHAPES
                disks: tuple[int | None, ...] = (
                    (None,) if engine == "redis" else KAFKA_DISKS if engine == "kafka" else DB_DISKS
                )
                cu, ru, du = round(vcpu_h * premium, 6), round(ram_h * premium, 6), round(disk_m * premium, 6)
                units = [
                    UnitPrice(component="vcpu", unit=f"{currency}/vCPU/hour", price=cu),
                    UnitPrice(component="ram", unit=f"{currency}/GB/hour", price=ru),
                ]
                if engine != "redis":
                    units.append(UnitPrice(component="disk", unit=f"{currency}/GB/month", price=du))
                for vcpu, ram in shapes:
                    for disk in disks:
                        monthly = (vcpu * cu + ram * ru) * HOURS_PER_MONTH + (disk or 0) * du
                        parts = [engine, f"{vcpu}c{ram}g"] + ([f"ssd{disk}"] if disk else []) + [region]
                        yield _row(
                            "dbaas",
                            provider,
                            _sku(provider, *parts, currency=currency),
                            region,
                            engine,
                            Spec(
                                vcpu=vcpu,
                                ram_gb=ram,
                                disk_gb=disk,
                                disk_type="ssd" if disk else None,
                                cpu_class="standard",
                            ),
                            "per_node",
                            monthly,
                            currency,
                            units,
                            source,
                        )


@lru_cache(maxsize=1)
def build_catalog() -> tuple[PriceRow, ...]:
    rows: list[PriceRow] = [*_selectel_rub(), *_beget(), *_dbaas("RUB"), *_dbaas("USD")]
    for (provider, _), rates in ILLUSTRATIVE.items():
        rows.extend(_illustrative(provider, rates))
    skus = [(r.provider, r.sku) for r in rows]
    assert len(set(skus)) == len(skus), "duplicate SKU in the catalog"
    return tuple(rows)


@lru_cache(maxsize=1)
def catalog_index() -> dict[str, PriceRow]:
    return {row.sku: row for row in build_catalog()}


def compute_sku(
    provider: str, cpu_class: str, vcpu: int, ram: int, disk_type: str, disk_gb: int, region: str, currency: str
) -> str:
    if provider == "beget":
        return _sku("beget", "vps", f"{vcpu}c{ram}g", f"nvme{disk_gb}", region, currency=currency)
    return _sku(provider, cpu_class, f"{vcpu}c{ram}g", f"{disk_type}{disk_gb}", region, currency=currency)


def service_sku(provider: str, service: str, region: str, currency: str, disk_type: str | None = None) -> str:
    """SKU of a per-unit service row (volume by disk type, snapshot, object, IP, balancer, control plane)."""
    if service == "volume":
        assert disk_type is not None
        return _sku(provider, "volume", disk_type, region, currency=currency)
    name = {
        "reserved_ip": "reserved-ip",
        "load_balancer": "load-balancer",
        "control_plane": "k8s.control-plane",
        "snapshot": "snapshot",
        "object": "object",
    }[service]
    return _sku(provider, name, region, currency=currency)


def dbaas_sku(provider: str, engine: str, vcpu: int, ram: int, disk_gb: int | None, region: str, currency: str) -> str:
    parts = [engine, f"{vcpu}c{ram}g"] + ([f"ssd{disk_gb}"] if disk_gb else []) + [region]
    return _sku(provider, *parts, currency=currency)
