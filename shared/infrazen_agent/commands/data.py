"""Data commands: `seed` (load the demo dataset), `demo` (print demo tenants, users and ids as
JSON) and `internal-api` (serve the reference internal API, or print its OpenAPI document)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from ..cli import command
from ..config import Settings


@contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """DATABASE_URL, or the embedded Postgres under the data dir (adopted if `serve` runs it)."""
    if settings.database_url:
        yield settings.database_url
        return
    from ..embedded import EmbeddedPostgres

    pg = EmbeddedPostgres(settings.agent_data_dir / "postgres")
    url = pg.start()
    try:
        yield url
    finally:
        pg.stop()  # only if this process owns it: a running `serve` keeps its server


def _seed_args(p: argparse.ArgumentParser) -> None:
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--size",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic 300-resource tenants (about 47k cost rows each)",
    )
    size.add_argument("--large", action="store_true", help="add synthetic tenants up to >= 5 million cost rows")
    p.add_argument("--reset", action="store_true", help="replace the FinOps data already loaded")
    p.add_argument("--seed", type=int, default=None, help="generator seed (default: the fixed demo seed)")
    p.add_argument(
        "--end-day",
        type=date.fromisoformat,
        default=None,
        help="last day of the cost series, YYYY-MM-DD (default: today)",
    )


@command("seed", "load the demo FinOps dataset (no-op when data exists, unless --reset)", _seed_args)
def seed(args: argparse.Namespace, settings: Settings) -> int:
    from ..data.demo import DEFAULT_SEED, LARGE_MIN_COST_ROWS
    from ..data.loader import seed_database
    from ..db import migrate

    with _database(settings) as url:
        asyncio.run(migrate(url))
        report = asyncio.run(
            seed_database(
                url,
                seed=args.seed if args.seed is not None else DEFAULT_SEED,
                end_day=args.end_day,
                extra_tenants=args.size,
                min_cost_rows=LARGE_MIN_COST_ROWS if args.large else 0,
                reset=args.reset,
            )
        )
    body = {k: v for k, v in vars(report).items() if k != "anomalies"}
    print(json.dumps(body, ensure_ascii=False))
    return 0 if report.seeded or not args.reset else 1


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--per-type", type=int, default=3, help="ids per type (default 3)")


@command("demo", "print the demo tenants, users, and resource and recommendation ids as JSON", _demo_args)
def demo(args: argparse.Namespace, settings: Settings) -> int:
    from ..data.loader import demo_summary, seed_database
    from ..db import migrate

    with _database(settings) as url:
        asyncio.run(migrate(url))
        if settings.agent_load_demo:
            asyncio.run(seed_database(url))  # no-op when data is there (e.g. after `serve`)
        summary = asyncio.run(demo_summary(url, per_type=max(1, args.per_type)))
    if not summary["tenants"]:
        print("infrazen-agent: no demo data (AGENT_LOAD_DEMO=false); run `infrazen-agent seed`", file=sys.stderr)
        return 1
    summary["hint"] = (
        "mint a token: infrazen-agent token --user <user id> --tenant <tenant id>; legacy InfraZen "
        "tokens with user_id=1001 read tenant 1001; the demo user is read-only (--demo)"
    )
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0


def _internal_api_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8002, help="port (default 8002)")
    p.add_argument("--print-openapi", action="store_true", help="print the contract (YAML) and exit")


@command(
    "internal-api",
    "serve the reference internal API (the data contract) over the embedded database",
    _internal_api_args,
)
def internal_api(args: argparse.Namespace, settings: Settings) -> int:
    from ..data.internal_api import create_internal_api, openapi_document

    if args.print_openapi:
        print(openapi_yaml(openapi_document), end="")
        return 0
    import uvicorn

    from ..logs import configure_logging

    configure_logging(settings.log_level)
    settings.validate_for_start()
    app = create_internal_api(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)
    return 0


def openapi_yaml(build: Callable[[Settings], dict[str, object]]) -> str:
    import yaml

    from ..config import Settings

    doc = build(Settings(_env_file=None))  # type: ignore[call-arg]
    header = "# Generated by `infrazen-agent internal-api --print-openapi`; a test keeps it in step.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
