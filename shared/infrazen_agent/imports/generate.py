"""FOCUS files of any size from the demo tenants' data (tests and benchmarks): each demo cost row
(resource, day) becomes Usage rows — one per day, or per hour when more rows are asked for than
the days give — and each provider's month gets a Tax row spanning the month. The FOCUS 1.0 or 1.2
column set; CSV, CSV.gz (by the name's `.gz`) or Parquet (`.parquet`, needs pyarrow)."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from ..data.catalog import PROVIDER_NAMES
from ..data.demo import DEFAULT_SEED, DEMO_TENANTS, IdAllocator, TenantPlan, bench_tenant, daily_rows, generate_tenant
from .focus import VERSIONS

TAX_RATE = 0.2  # the Tax row of a provider's month: this share of its usage
_TYPE_WORDS = {
    "server": ("Virtual machine", "Compute"),
    "volume": ("Volume", "Storage"),
    "snapshot": ("Snapshot", "Storage"),
    "reserved_ip": ("Public IP address", "Networking"),
    "load_balancer": ("Load balancer", "Networking"),
    "storage": ("Object storage bucket", "Storage"),
    "postgresql-cluster": ("PostgreSQL cluster", "Databases"),
    "mysql-cluster": ("MySQL cluster", "Databases"),
    "redis-cluster": ("Redis cluster", "Databases"),
    "kafka-cluster": ("Kafka cluster", "Integration"),
    "kubernetes-cluster": ("Kubernetes cluster", "Compute"),
}


@dataclass
class Generated:
    path: Path
    version: str
    rows: int
    tenants: list[str]
    hourly: bool
    # (provider display name, currency) -> total cost (every cost column but ListCost is the same)
    totals: dict[tuple[str, str], float] = field(default_factory=dict)


def _plans(tenants: tuple[str, ...]) -> Iterator[TenantPlan]:
    by_id = {p.id: p for p in DEMO_TENANTS}
    for tenant in tenants:
        yield by_id[tenant]
    index = 0
    while True:
        index += 1
        yield bench_tenant(index)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _month(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, 1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt


class _Sink:
    """Rows into CSV (plain or gzip) or Parquet, in the column order of `columns`."""

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.columns = columns
        self.parquet = path.name.endswith(".parquet")
        self._pending: list[list[Any]] = []
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._pa = pa
            self._schema = pa.schema([(c, pa.string()) for c in columns])
            self._writer = pq.ParquetWriter(path, self._schema)
            self._file: IO[Any] | None = None
        else:
            raw: IO[Any]
            if path.name.endswith(".gz"):
                raw = gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1)  # noqa: SIM115 - closed by close()
            else:
                raw = path.open("w", encoding="utf-8", newline="")
            self._file = raw
            self._csv = csv.writer(raw, quoting=csv.QUOTE_MINIMAL)
            self._csv.writerow(columns)

    def write(self, row: list[Any]) -> None:
        if self.parquet:
            self._pending.append(row)
            if len(self._pending) >= 50_000:
                self._flush()
        else:
            self._csv.writerow(["NULL" if v is None else v for v in row])

    def _flush(self) -> None:
        if not self._pending:
            return
        arrays = [
            self._pa.array([None if v is None else str(v) for v in col], type=self._pa.string())
            for col in zip(*self._pending, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._pending = []

    def close(self) -> None:
        if self.parquet:
            self._flush()
            self._writer.close()
        elif self._file is not None:
            self._file.close()


def write_focus(
    path: Path,
    rows: int,
    *,
    version: str = "1.0",
    tenants: tuple[str, ...] = ("1001", "2002"),
    end_day: date = date(2025, 6, 30),
    seed: int = DEFAULT_SEED,
    hourly: bool | None = None,
) -> Generated:
    """Writes about `rows` Usage rows (exactly, unless the data runs out first) plus the Tax rows,
    from the given demo tenants and then as many synthetic ones as it takes."""
    if version not in ("1.0", "1.2"):
        raise ValueError("the generator writes FOCUS 1.0 or 1.2 column sets")
    columns = VERSIONS[version]
    index = {c: i for i, c in enumerate(columns)}
    sink = _Sink(path, columns)
    ids = IdAllocator()
    made = Generated(path=path, version=version, rows=0, tenants=[], hourly=bool(hourly))
    if hourly is None:
        made.hourly = rows > 20_000  # the demo tenants' days give about 30k rows; beyond that, hours
    per_day = 24 if made.hourly else 1
    taxes: dict[tuple[str, str, str, str, date], float] = defaultdict(float)
    try:
        for plan in _plans(tenants):
            if made.rows >= rows:
                break
            data = generate_tenant(plan, seed=seed, end_day=end_day, ids=ids)
            made.tenants.append(plan.id)
            resources = {p.resource.id: p.resource for p in data.resources}
            for rid, day, provider, service, amount in daily_rows(data):
                if made.rows >= rows:
                    break
                res = resources[rid]
                name = PROVIDER_NAMES.get(provider, provider)
                kind, category = _TYPE_WORDS.get(res.resource_type, ("Other", "Other"))
                month_start, month_end = _month(day)
                part = amount / per_day
                base: list[Any] = [None] * len(columns)

                def put(column: str, value: Any, row: list[Any] = base) -> None:
                    if column in index:
                        row[index[column]] = value

                put("BillingAccountId", f"acct-{plan.id}")
                put("BillingAccountName", plan.name)
                put("BillingCurrency", plan.currency)
                put("BillingPeriodStart", _ts(month_start))
                put("BillingPeriodEnd", _ts(month_end))
                put("ChargeCategory", "Usage")
                put("ChargeDescription", f"{service}: {res.name}")
                put("ChargeFrequency", "Usage-Based")
                put("ConsumedUnit", "Hours")
                put("InvoiceIssuerName", name)
                put("PricingCategory", "Standard")
                put("PricingUnit", "Hours")
                put("ProviderName", name)
                put("PublisherName", name)
                put("RegionId", res.region)
                put("RegionName", res.region)
                put("ResourceId", f"{provider}-{rid:08x}")
                put("ResourceName", res.name)
                put("ResourceType", kind)
                put("ServiceCategory", category)
                put("ServiceName", service)
                put("SkuId", res.sku)
                put("SkuPriceId", res.sku)
                put("SubAccountId", str(res.connection_id))
                put("SubAccountName", res.connection_name)
                put("Tags", json.dumps(res.tags, ensure_ascii=False) if res.tags else None)
                put("BillingAccountType", "Billing Account")
                put("SubAccountType", "Project")
                put("InvoiceId", f"inv-{plan.id}-{day:%Y%m}")
                put("PricingCurrency", plan.currency)
                put("ServiceSubcategory", category)
                text = f"{part:.10f}"
                list_text = f"{part * 1.25:.10f}"
                hours = 24 // per_day
                for hour in range(0, 24, hours):
                    if made.rows >= rows:
                        break
                    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
                    row = list(base)
                    row[index["ChargePeriodStart"]] = _ts(start)
                    row[index["ChargePeriodEnd"]] = _ts(start + timedelta(hours=hours))
                    for column in ("BilledCost", "EffectiveCost", "ContractedCost", "PricingCurrencyEffectiveCost"):
                        if column in index:
                            row[index[column]] = text
                    row[index["ListCost"]] = list_text
                    row[index["ConsumedQuantity"]] = str(hours)
                    row[index["PricingQuantity"]] = str(hours)
                    sink.write(row)
                    made.rows += 1
                    made.totals[(name, plan.currency)] = made.totals.get((name, plan.currency), 0.0) + float(text)
                    taxes[(plan.id, plan.name, name, plan.currency, month_start.date())] += float(text)
        for (tenant, account, name, currency, month), usage in sorted(taxes.items()):
            month_start, month_end = _month(month)
            row = [None] * len(columns)
            tax = f"{usage * TAX_RATE:.10f}"
            for column, value in (
                ("BillingAccountId", f"acct-{tenant}"),
                ("BillingAccountName", account),
                ("BillingCurrency", currency),
                ("BillingPeriodStart", _ts(month_start)),
                ("BillingPeriodEnd", _ts(month_end)),
                ("ChargeCategory", "Tax"),
                ("ChargeDescription", "VAT"),
                ("ChargeFrequency", "Recurring"),
                ("ChargePeriodStart", _ts(month_start)),
                ("ChargePeriodEnd", _ts(month_end)),
                ("InvoiceIssuerName", name),
                ("ProviderName", name),
                ("PublisherName", name),
                ("ServiceName", "Tax"),
                ("ServiceCategory", "Other"),
                ("BilledCost", tax),
                ("EffectiveCost", tax),
                ("ContractedCost", tax),
                ("ListCost", tax),
            ):
                row[index[column]] = value
            sink.write(row)
            made.rows += 1
            made.totals[(name, currency)] = made.totals.get((name, currency), 0.0) + float(tax)
    finally:
        sink.close()
    return made


def _main() -> None:  # pragma: no cover - `python -m infrazen_agent.imports.generate OUT ROWS [VERSION]`
    import sys

    out, rows = Path(sys.argv[1]), int(sys.argv[2])
    made = write_focus(out, rows, version=sys.argv[3] if len(sys.argv) > 3 else "1.0")
    print(json.dumps({"path": str(made.path), "rows": made.rows, "tenants": made.tenants, "hourly": made.hourly}))


if __name__ == "__main__":  # pragma: no cover
    _main()
