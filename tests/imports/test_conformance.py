"""Files that are not clean: a missing required column, a bad date, a non-numeric cost — each
reported (with row numbers) and none of them changing the data already there; the valid rows of
such a file on request; currencies kept apart; generated FOCUS 1.2 files as CSV.gz and Parquet;
version detection, tolerating 1.4 columns and `x_` extensions."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infrazen_agent.imports.focus import canonical_type, detect_version
from infrazen_agent.imports.generate import write_focus
from infrazen_agent.imports.mapping import _spans
from infrazen_agent.runtime import Runtime
from tests.imports.conftest import SAMPLE, call_tool, run_import
from tests.support.data_fixtures import MAIN_TENANT


def _rows() -> tuple[list[str], list[list[str]]]:
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _state(url: str, tenant: str) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        return tuple(
            conn.execute(sql, (tenant,)).fetchone()
            for sql in (
                "SELECT count(*), sum(amount) FROM cost_daily_rollup WHERE tenant_id = %s",
                "SELECT count(*), sum(monthly_cost) FROM resources WHERE tenant_id = %s",
                "SELECT count(*) FROM provider_connections WHERE tenant_id = %s",
                "SELECT count(*) FROM focus_cost_lines WHERE tenant_id = %s",
                "SELECT count(*), min(currency) FROM tenants WHERE id = %s",
            )
        )


async def test_bad_files_are_reported_and_change_nothing(seeded_runtime: Runtime, tmp_path: Path) -> None:
    url = seeded_runtime.database_url
    before = _state(url, MAIN_TENANT)
    header, rows = _rows()
    rows = rows[:50]

    # 1. a required column missing: refused as a whole, its row errors still listed
    at = header.index("ServiceName")
    missing = _write(tmp_path / "no-service.csv", header[:at] + header[at + 1 :], [r[:at] + r[at + 1 :] for r in rows])
    view = await run_import(seeded_runtime, MAIN_TENANT, missing)
    assert view["status"] == "rejected" and view["error"]["code"] == "rejected"
    assert view["report"]["missing_required_columns"] == ["ServiceName"]

    # 2. a bad date (data row 3) and a non-numeric cost (row 5); row 7 has both
    bad = [list(r) for r in rows]
    start, cost = header.index("ChargePeriodStart"), header.index("EffectiveCost")
    bad[2][start] = "2024-13-45 25:00:00"
    bad[4][cost] = "twelve"
    bad[6][start], bad[6][cost] = "yesterday", "1,5"
    path = _write(tmp_path / "bad.csv", header, bad)
    view = await run_import(seeded_runtime, MAIN_TENANT, path)
    report = view["report"]
    assert view["status"] == "rejected" and report["rows_refused"] == 3 and report["rows_imported"] == 0
    found = {(e["row"], e["column"], e["problem"]) for e in report["errors"]}
    assert found == {
        (3, "ChargePeriodStart", "not_a_date_time"),
        (5, "EffectiveCost", "not_a_number"),
        (7, "ChargePeriodStart", "not_a_date_time"),
        (7, "EffectiveCost", "not_a_number"),
    }
    assert {e["value"] for e in report["errors"]} >= {"2024-13-45 25:00:00", "twelve"}
    assert _state(url, MAIN_TENANT) == before  # the demo tenant's data is as it was

    # ... and the report says so in people's words
    from infrazen_agent.imports.conformance import report_lines

    text = "\n".join(report_lines(report, "en"))
    assert "row 3, ChargePeriodStart: not a date-time" in text and "row 5, EffectiveCost: not a number" in text
    assert "строка 5, EffectiveCost: не число" in "\n".join(report_lines(report, "ru"))

    # 3. asked to, the valid rows go in; the refused ones are still reported
    view = await run_import(seeded_runtime, MAIN_TENANT, path, skip_bad_rows=True)
    assert view["status"] == "imported" and view["report"]["rows_imported"] == 47
    assert view["report"]["rows_refused"] == 3 and len(view["report"]["errors"]) == 4
    # a USD bill on a RUB tenant: kept apart, never converted, not in the analytics
    after = _state(url, MAIN_TENANT)
    assert view["report"]["tenant_currency"] == "RUB" and view["report"]["kept_apart"]
    assert after[0] == before[0] and after[4] == before[4]  # the same rollup; the tenant still bills in RUB
    assert after[3][0] > 0 and after[2][0] == before[2][0] + 1  # the lines are kept; a connection for aws


async def test_currencies_are_kept_apart(runtime: Runtime, tmp_path: Path) -> None:
    header, rows = _rows()
    cur, cost = header.index("BillingCurrency"), header.index("EffectiveCost")
    mixed = [list(r) for r in rows[:40]]
    for r in mixed[:10]:
        r[cur] = "EUR"
    view = await run_import(runtime, "mixed", _write(tmp_path / "mixed.csv", header, mixed))
    report = view["report"]
    assert view["status"] == "imported" and report["tenant_currency"] == "USD"
    eur = sum(float(r[cost]) for r in mixed[:10])
    usd = sum(float(r[cost]) for r in mixed[10:])
    assert sum(t["amount"] for t in report["kept_apart"]) == pytest.approx(eur, abs=1e-9)
    overview = await call_tool(runtime, "mixed", "get_analytics_overview", start="2024-09-01", end="2024-09-30")
    assert overview["currency"] == "USD"
    assert overview["total_spend"]["amount"] == pytest.approx(usd, abs=0.011)


@pytest.mark.parametrize("name", ["focus-1.2.csv.gz", "focus-1.2.parquet"])
async def test_generated_focus_1_2_files_import(runtime: Runtime, tmp_path: Path, name: str) -> None:
    made = write_focus(tmp_path / name, 3000, version="1.2", tenants=("2002",), hourly=False)
    view = await run_import(runtime, "gen", made.path)
    report = view["report"]
    assert view["status"] == "imported", report
    assert report["focus_version"] == "1.2" and report["rows_read"] == made.rows
    assert report["format"] == ("parquet" if name.endswith(".parquet") else "csv.gz")
    assert {t["charge_category"] for t in report["totals"]} == {"Usage", "Tax"}
    total = sum(made.totals.values())
    assert sum(t["amount"] for t in report["totals"]) == pytest.approx(total, rel=1e-9)
    # a Tax row spans its month: spread over the month's days, it still adds up
    with psycopg.connect(runtime.database_url) as conn:
        (stored,) = conn.execute("SELECT sum(amount) FROM cost_daily_rollup WHERE tenant_id = 'gen'").fetchone()
        (tax_days,) = conn.execute(
            "SELECT count(DISTINCT day) FROM focus_cost_lines WHERE tenant_id = 'gen' AND charge_category = 'Tax'"
        ).fetchone()
    assert float(stored) == pytest.approx(total, rel=1e-9) and tax_days > 28


async def test_an_unreadable_file_fails_clearly(runtime: Runtime, tmp_path: Path) -> None:
    garbage = tmp_path / "bill.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    view = await run_import(runtime, "x", garbage)
    assert view["status"] == "failed" and "not a FOCUS CSV file" in view["error"]["message"]
    broken = tmp_path / "bill.csv.gz"
    broken.write_bytes(gzip.compress(SAMPLE.read_bytes())[:5000])
    view = await run_import(runtime, "x", broken)
    assert view["status"] == "failed" and "gzip" in view["error"]["message"]
    with psycopg.connect(runtime.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)


def test_versions_are_detected_and_later_columns_tolerated() -> None:
    header, _ = _rows()
    assert detect_version(header).version == "1.0"
    v13 = [*header, "ServiceProviderName", "HostProviderName"]
    assert detect_version(v13).version == "1.3"
    v14 = [*v13, "ContractCommitmentId", "x_CostCenter"]
    guess = detect_version(v14)
    assert guess.version == "1.3+" and "ContractCommitmentId" in guess.basis and "x_CostCenter" not in guess.basis
    assert canonical_type("Virtual machine") == "server" and canonical_type("bucket") == "storage"
    assert canonical_type("Azure Machine Learning workspace") == "other" and canonical_type(None) == "other"


async def test_a_1_3_file_with_extensions_imports_by_service_provider(runtime: Runtime, tmp_path: Path) -> None:
    header, rows = _rows()
    prov = header.index("ProviderName")
    new_header = [*header, "ServiceProviderName", "HostProviderName", "x_Team", "SomethingFrom14"]
    new_rows = [[*r, "Snowflake" if i % 2 else r[prov], r[prov], "core", "?"] for i, r in enumerate(rows[:20])]
    view = await run_import(runtime, "v13", _write(tmp_path / "v13.csv", new_header, new_rows))
    report = view["report"]
    assert view["status"] == "imported" and report["focus_version"] == "1.3+"
    assert report["extension_columns"] == ["x_Team"] and "SomethingFrom14" in report["unknown_columns"]
    assert "Snowflake" in {t["provider"] for t in report["totals"]}


def test_a_charge_spanning_days_is_spread_by_time() -> None:
    spans = _spans("2024-09-01T12:00:00Z", "2024-09-03T00:00:00Z")
    assert isinstance(spans, list)
    assert [(d.isoformat(), float(s)) for d, s in spans] == [("2024-09-01", 1 / 3), ("2024-09-02", 2 / 3)]
    assert _spans("2024-09-01 23:00:00", "2024-09-02 00:00:00") == [(spans[0][0], 1)]
    assert _spans("2024-09-02", "2024-09-01") == ("ChargePeriodEnd", "ends_before_start", "2024-09-01")
    # an offset is converted to UTC first
    (day, _), *_ = _spans("2024-09-02T01:00:00+03:00", "2024-09-02T02:00:00+03:00")  # type: ignore[misc]
    assert day.isoformat() == "2024-09-01"


def test_report_is_json() -> None:
    from infrazen_agent.imports.conformance import Conformance

    report = Conformance(file="f.csv", format="csv", cost_column="EffectiveCost")
    report.error(2, "BilledCost", "not_a_number", "x" * 100)
    assert json.loads(json.dumps(report.public()))["errors"][0]["value"].endswith("…")


async def test_a_typed_parquet_file_imports_like_its_csv(runtime: Runtime, tmp_path: Path) -> None:
    """Parquet as exports write it: real timestamps (with a zone) and decimal/float costs."""
    from datetime import datetime
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    header, rows = _rows()

    def col(name: str) -> list[str | None]:
        i = header.index(name)
        return [None if r[i] in ("", "NULL") else r[i] for r in rows]

    def moments(name: str) -> list[datetime]:
        return [datetime.fromisoformat(v + "+00:00") for v in col(name) if v is not None]

    table = pa.table(
        {
            "ChargePeriodStart": pa.array(moments("ChargePeriodStart"), type=pa.timestamp("us", tz="UTC")),
            "ChargePeriodEnd": pa.array(moments("ChargePeriodEnd"), type=pa.timestamp("us", tz="UTC")),
            "EffectiveCost": pa.array([Decimal(v or "0") for v in col("EffectiveCost")], type=pa.decimal128(24, 11)),
            "BilledCost": pa.array([float(v or 0) for v in col("BilledCost")], type=pa.float64()),
            **{n: pa.array(col(n), type=pa.string()) for n in ("ChargeCategory", "BillingCurrency", "ServiceName")},
            **{n: pa.array(col(n), type=pa.string()) for n in ("ProviderName", "ResourceId", "ResourceType", "Tags")},
        }
    )
    pq.write_table(table, tmp_path / "typed.parquet")
    from_parquet = await run_import(runtime, "pq", tmp_path / "typed.parquet")
    from_csv = await run_import(runtime, "csv", SAMPLE)
    assert from_parquet["status"] == "imported", from_parquet
    assert from_parquet["report"]["format"] == "parquet"

    def totals(view: dict[str, Any]) -> dict[tuple[str, str], float]:
        return {(t["provider"], t["charge_category"]): t["amount"] for t in view["report"]["totals"]}

    assert totals(from_parquet) == pytest.approx(totals(from_csv), abs=1e-9)
    assert from_parquet["report"]["null_rates"]["ResourceType"] == from_csv["report"]["null_rates"]["ResourceType"]
