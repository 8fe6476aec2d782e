"""One file into the tenant's data, atomically: its rows are checked and streamed in batches into
a temporary table (COPY), folded into days per resource, service and charge category
(`focus_cost_lines`, replacing what the same file brought before), and the tenant's daily rollup
(what analytics read), resources and provider connections are brought up to date — all in one
transaction, under a per-tenant lock. A file that fails, or has refused rows (unless they may be
skipped), changes nothing."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from ..data.money import DAYS_PER_MONTH
from .conformance import Conformance, Total
from .focus import COST_COLUMNS, KNOWN_COLUMNS, MANDATORY, PROVIDER_COLUMNS, REQUIRED, detect_version
from .mapping import STAGE_COLUMNS, Mapper, _escape
from .reader import Batch, Reader, sha256_of

log = logging.getLogger("infrazen_agent.imports")
Progress = Callable[[float, int], Awaitable[None]]  # (share of the file read, rows read)
_LOCK = "focus-import:"


class _Rejected(Exception):
    """Leaves the transaction (rolled back): the report says why."""


@dataclass(frozen=True)
class ImportOptions:
    cost_column: str = "EffectiveCost"
    skip_bad_rows: bool = False
    tenant_name: str | None = None


def check_header(report: Conformance, columns: list[str]) -> None:
    guess = detect_version(columns)
    report.columns = columns
    report.version, report.version_basis = guess.version, guess.basis
    report.version_evidence = list(guess.evidence + guess.later)
    present = set(columns)
    missing = [c for c in REQUIRED if c not in present]
    if report.cost_column not in present:
        missing.append(report.cost_column)
    if not any(c in present for c in PROVIDER_COLUMNS):
        missing.append(" or ".join(PROVIDER_COLUMNS))
    report.missing_required = missing
    report.missing_mandatory = [c for c in MANDATORY if c not in present and c not in missing]
    report.extensions = [c for c in columns if c.startswith("x_")]
    report.unknown_columns = [c for c in columns if c not in KNOWN_COLUMNS and not c.startswith("x_")]


async def import_file(
    conninfo: str,
    tenant_id: str,
    path: Path,
    *,
    source_name: str,
    options: ImportOptions,
    import_id: str,
    on_progress: Progress | None = None,
) -> Conformance:
    """Imports one file for the tenant (created when new) on a connection of its own (a long
    transaction: never one of the pool's). Returns the report; its outcome says whether anything
    changed. A file that cannot be read raises `UnreadableFile` (nothing changed either)."""
    if options.cost_column not in COST_COLUMNS:
        raise ValueError(f"cost column must be one of {', '.join(COST_COLUMNS)}")
    t0 = time.perf_counter()
    reader = Reader(path)
    report = Conformance(file=source_name, format=reader.format, cost_column=options.cost_column)
    try:
        check_header(report, reader.columns)
        sha = await asyncio.to_thread(sha256_of, path)
        mapper = Mapper(reader.columns, options.cost_column, report)
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn, conn.transaction():
                await conn.execute(f"CREATE TEMP TABLE focus_stage ({_STAGE_TYPES}) ON COMMIT DROP")
                async with conn.cursor().copy(f"COPY focus_stage ({STAGE_COLUMNS}) FROM STDIN") as copy:
                    batches = reader.batches()
                    while True:
                        # Reading and checking is CPU work: off the event loop (chats share it).
                        step = await asyncio.to_thread(_next, batches, mapper, report)
                        if step is None:
                            break
                        if step:
                            await copy.write(step)
                        if on_progress is not None:
                            await on_progress(min(reader.progress, 0.999), report.rows_read)
                if on_progress is not None:
                    await on_progress(1.0, report.rows_read)  # read: now the writing
                await _fill_totals(conn, report, mapper)
                if report.missing_required:
                    report.reason, report.reason_code = "required columns are missing", "missing_required"
                    raise _Rejected
                if report.rows_refused and not options.skip_bad_rows:
                    report.reason, report.reason_code = (
                        "some rows were refused (each is listed); fix them, or import with skip-bad-rows",
                        "refused_rows",
                    )
                    raise _Rejected
                if report.rows_read == report.rows_refused:
                    report.reason, report.reason_code = "the file has no rows to import", "no_rows"
                    raise _Rejected
                await _apply(conn, tenant_id, sha, import_id, report, mapper, options)
                report.outcome = "imported"
        except _Rejected:
            report.outcome = "rejected"
    finally:
        reader.close()
    log.info(
        "focus file imported" if report.outcome == "imported" else "focus file not imported",
        extra={
            "tenant_id": tenant_id,
            "rows": report.rows_read,
            "refused": report.rows_refused,
            "seconds": round(time.perf_counter() - t0, 3),
        },
    )
    return report


def _next(batches: Iterator[Batch], mapper: Mapper, report: Conformance) -> bytes | None:
    batch = next(batches, None)
    if batch is None:
        return None
    report.rows_read += batch.size
    for name, count in zip(mapper.columns, batch.nulls, strict=True):
        report.nulls[name] = report.nulls.get(name, 0) + count
    return mapper.map_batch(batch).encode()


_STAGE_TYPES = "provider text, key text, day date, service text, category text, currency text, amount numeric"


async def _fill_totals(conn: psycopg.AsyncConnection[Any], report: Conformance, mapper: Mapper) -> None:
    cur = await conn.execute(
        "SELECT provider, currency, category, sum(amount)::float8, min(day), max(day) FROM focus_stage"
        " GROUP BY provider, currency, category ORDER BY provider, currency, category"
    )
    sums = {(r[0], r[1], r[2]): r for r in await cur.fetchall()}
    totals = []
    days: list[date] = []
    for key, rows in sorted(mapper.counts.items()):
        found = sums.get(key)
        name = mapper.providers.get(key[0], key[0])
        totals.append(Total(name, key[1], key[2], rows, float(found[3]) if found else 0.0))
        if found:
            days += [found[4], found[5]]
    report.totals = totals
    if days:
        report.first_day, report.last_day = min(days).isoformat(), max(days).isoformat()
    report.resources = len(mapper.resources)
    report.commitments = [
        {"type": t, "status": st, "currency": c, "rows": mapper.commitment_rows[(t, st, c)], "amount": round(a, 6)}
        for (t, st, c), a in sorted(mapper.commitments.items())
    ]


async def _apply(
    conn: psycopg.AsyncConnection[Any],
    tenant_id: str,
    sha: str,
    import_id: str,
    report: Conformance,
    mapper: Mapper,
    options: ImportOptions,
) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK + tenant_id,))
    currency = await _tenant(conn, tenant_id, options.tenant_name or mapper.account_name)
    report.tenant_currency = currency
    old = await (
        await conn.execute(
            "SELECT first_day, last_day FROM focus_files WHERE tenant_id = %s AND sha256 = %s", (tenant_id, sha)
        )
    ).fetchone()
    await conn.execute("DELETE FROM focus_cost_lines WHERE tenant_id = %s AND sha256 = %s", (tenant_id, sha))
    await conn.execute("DELETE FROM focus_files WHERE tenant_id = %s AND sha256 = %s", (tenant_id, sha))
    # keys: each provider's connection (''), each resource, each service's unattributed charges
    await conn.execute(
        "INSERT INTO focus_keys (tenant_id, provider, external_id)"
        " SELECT DISTINCT %s, provider, key FROM focus_stage"
        " UNION SELECT DISTINCT %s, provider, '' FROM focus_stage"
        " ON CONFLICT DO NOTHING",
        (tenant_id, tenant_id),
    )
    slugs = sorted(mapper.providers)
    await conn.execute(
        "INSERT INTO provider_connections (id, tenant_id, provider, name, status, last_sync_at)"
        " SELECT k.id, k.tenant_id, k.provider, 'FOCUS: ' || n.name, 'ok', now() FROM focus_keys k"
        " JOIN unnest(%s::text[], %s::text[]) AS n(provider, name) ON n.provider = k.provider"
        " WHERE k.tenant_id = %s AND k.external_id = ''"
        " ON CONFLICT (id) DO UPDATE SET last_sync_at = now()",
        (slugs, [mapper.providers[s][:200] for s in slugs], tenant_id),
    )
    await conn.execute(
        "INSERT INTO focus_cost_lines (tenant_id, sha256, key_id, day, provider, service, charge_category, currency,"
        " amount, rows)"
        " SELECT %s, %s, k.id, s.day, s.provider, s.service, s.category, s.currency, sum(s.amount), count(*)"
        " FROM focus_stage s JOIN focus_keys k"
        " ON k.tenant_id = %s AND k.provider = s.provider AND k.external_id = s.key"
        " GROUP BY k.id, s.day, s.provider, s.service, s.category, s.currency",
        (tenant_id, sha, tenant_id),
    )
    first = date.fromisoformat(report.first_day) if report.first_day else None
    last = date.fromisoformat(report.last_day) if report.last_day else None
    await conn.execute(
        "INSERT INTO focus_files (tenant_id, sha256, import_id, cost_column, rows, first_day, last_day)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, sha, import_id, options.cost_column, report.rows_read - report.rows_refused, first, last),
    )
    await _resources(conn, tenant_id, currency, mapper)
    lows = [d for d in (first, old[0] if old else None) if d is not None]
    highs = [d for d in (last, old[1] if old else None) if d is not None]
    if lows and highs:
        await _rollup(conn, tenant_id, currency, min(lows), max(highs))
    await _monthly_costs(conn, tenant_id, currency)


async def _tenant(conn: psycopg.AsyncConnection[Any], tenant_id: str, name: str | None) -> str:
    row = await (await conn.execute("SELECT currency FROM tenants WHERE id = %s", (tenant_id,))).fetchone()
    if row is not None:
        return str(row[0])
    # A new tenant bills in the currency most of the file's rows are in.
    top = await (
        await conn.execute(
            "SELECT currency FROM focus_stage GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1"
        )
    ).fetchone()
    currency = str(top[0]) if top else "USD"
    await conn.execute(
        "INSERT INTO tenants (id, name, currency) VALUES (%s, %s, %s)", (tenant_id, (name or tenant_id)[:200], currency)
    )
    return currency


_RESOURCE_STAGE = (
    "provider text, external_id text, name text, resource_type text, service text, region text, tags jsonb,"
    " first_seen timestamptz, last_seen timestamptz"
)


async def _resources(conn: psycopg.AsyncConnection[Any], tenant_id: str, currency: str, mapper: Mapper) -> None:
    if not mapper.resources:
        return
    await conn.execute(f"CREATE TEMP TABLE focus_stage_resources ({_RESOURCE_STAGE}) ON COMMIT DROP")
    async with conn.cursor().copy(
        "COPY focus_stage_resources (provider, external_id, name, resource_type, service, region, tags, first_seen,"
        " last_seen) FROM STDIN"
    ) as copy:
        lines = []
        for r in mapper.resources.values():
            tags = dict(r.tags)
            if r.sub_account:
                tags.setdefault("focus:SubAccountId", r.sub_account)
            fields = (
                r.provider,
                r.external_id,
                r.name,
                r.resource_type,
                r.service,
                r.region,
                json.dumps(tags, ensure_ascii=False),
            )
            lines.append(
                "\t".join(_escape(f) for f in fields) + f"\t{r.first.isoformat()}+00\t{r.last.isoformat()}+00\n"
            )
        await copy.write("".join(lines).encode())
    await conn.execute(
        "INSERT INTO resources (id, tenant_id, connection_id, provider, external_id, name, resource_type, service,"
        " region, geo, status, monthly_cost, currency, tags, created_at, updated_at)"
        " SELECT k.id, %s, c.id, s.provider, s.external_id, s.name, s.resource_type, s.service, s.region, s.region,"
        " 'active', 0, %s, s.tags, s.first_seen, s.last_seen"
        " FROM focus_stage_resources s"
        " JOIN focus_keys k ON k.tenant_id = %s AND k.provider = s.provider AND k.external_id = s.external_id"
        " JOIN focus_keys c ON c.tenant_id = %s AND c.provider = s.provider AND c.external_id = ''"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, resource_type = excluded.resource_type,"
        " service = excluded.service, region = excluded.region, geo = excluded.geo, tags = excluded.tags,"
        " created_at = least(resources.created_at, excluded.created_at),"
        " updated_at = greatest(resources.updated_at, excluded.updated_at)",
        (tenant_id, currency, tenant_id, tenant_id),
    )


async def _rollup(conn: psycopg.AsyncConnection[Any], tenant_id: str, currency: str, first: date, last: date) -> None:
    """The tenant's daily rollup for [first, last], from the demo's per-resource series and every
    imported file's lines in the tenant's currency (others are kept apart, never converted)."""
    await conn.execute(
        "DELETE FROM cost_daily_rollup WHERE tenant_id = %s AND day BETWEEN %s AND %s", (tenant_id, first, last)
    )
    await conn.execute(
        "INSERT INTO cost_daily_rollup (tenant_id, day, provider, service, amount, currency, resources)"
        " SELECT %s, day, provider, service, sum(amount), %s, count(DISTINCT rid) FROM ("
        "  SELECT day, provider, service, amount, resource_id AS rid FROM cost_daily"
        "  WHERE tenant_id = %s AND day BETWEEN %s AND %s"
        "  UNION ALL"
        "  SELECT day, provider, service, amount, key_id FROM focus_cost_lines"
        "  WHERE tenant_id = %s AND day BETWEEN %s AND %s AND currency = %s"
        " ) lines GROUP BY day, provider, service",
        (tenant_id, currency, tenant_id, first, last, tenant_id, first, last, currency),
    )


async def _monthly_costs(conn: psycopg.AsyncConnection[Any], tenant_id: str, currency: str) -> None:
    """An imported resource's monthly cost: its last 30 days of data (in the tenant's currency) at a
    month's rate; charged in the last two days: active (a server: running), else stopped/unused."""
    row = await (
        await conn.execute("SELECT max(day) FROM focus_cost_lines WHERE tenant_id = %s", (tenant_id,))
    ).fetchone()
    if row is None or row[0] is None:
        return
    last: date = row[0]
    await conn.execute(
        "UPDATE resources r SET monthly_cost = greatest(0, round(coalesce(x.total, 0) / 30 * %s::numeric, 2)),"
        " status = CASE WHEN x.last_day >= %s"
        " THEN (CASE WHEN r.resource_type = 'server' THEN 'running' ELSE 'active' END)"
        " ELSE (CASE WHEN r.resource_type = 'server' THEN 'stopped' ELSE 'unused' END) END"
        " FROM (SELECT k.id, sum(l.amount) FILTER (WHERE l.day > %s AND l.currency = %s) AS total,"
        " max(l.day) AS last_day"
        "  FROM focus_keys k LEFT JOIN focus_cost_lines l ON l.tenant_id = k.tenant_id AND l.key_id = k.id"
        "  WHERE k.tenant_id = %s GROUP BY k.id) x"
        " WHERE r.tenant_id = %s AND r.id = x.id",
        (DAYS_PER_MONTH, last - timedelta(days=1), last - timedelta(days=30), currency, tenant_id, tenant_id),
    )
