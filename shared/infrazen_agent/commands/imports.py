"""`infrazen-agent import focus PATH --tenant T`: a FOCUS billing export (a CSV, CSV.gz or Parquet
file, or a folder of them) into a tenant's data (the tenant is created when new), each file one
job with its conformance report — the same import `POST /v1/imports/focus` runs. Progress goes
to stderr, the reports to stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND", help="the kind of export: focus")
    focus = kinds.add_parser(
        "focus",
        help="a FOCUS 1.0–1.3 Cost and Usage export (CSV, CSV.gz, Parquet)",
        description="Import a FOCUS 1.0–1.3 Cost and Usage export (CSV, CSV.gz or Parquet; a file or a folder).",
    )
    focus.add_argument("path", type=Path, help="a file, or a folder whose .csv, .csv.gz and .parquet files are read")
    focus.add_argument("--tenant", required=True, help="the tenant the data belongs to (created when new)")
    focus.add_argument(
        "--cost-column",
        choices=["EffectiveCost", "BilledCost", "ListCost", "ContractedCost"],
        default="EffectiveCost",
        help="the FOCUS cost column the figures are keyed on (default EffectiveCost: amortised, after discounts)",
    )
    focus.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import a file's valid rows even when some are refused (each refused row is still reported)",
    )
    focus.add_argument("--tenant-name", help="the name of a tenant created by this import (default: the bill's)")
    focus.add_argument("--language", choices=["ru", "en"], default="ru", help="language of the report (default ru)")
    focus.add_argument("--json", action="store_true", help="print each file's report as one JSON line instead")
    focus.add_argument("--quiet", action="store_true", help="no progress bar on stderr")


def _bar(name: str, share: float, rows: int) -> str:
    width = 30
    filled = int(share * width)
    return f"\r{name[:40]} [{'#' * filled}{'.' * (width - filled)}] {share * 100:5.1f} % {rows:,} rows"


@command("import", "import billing data into a tenant's data (FOCUS exports)", _args)
def import_cmd(args: argparse.Namespace, settings: Settings) -> int:
    from ..auth import Principal
    from ..errors import AgentError, is_dependency_error
    from ..imports.jobs import clean_name, create_job, public_view, run_job
    from ..imports.load import ImportOptions
    from ..imports.reader import files_in
    from ..runtime import Runtime
    from ..wording.messages import message

    lang = args.language

    def say(key: str, **values: object) -> str:
        return message(f"import.{key}", lang, **values)

    async def run() -> int:
        try:
            files = files_in(args.path)
        except AgentError as exc:
            print(say("cli.error", message=exc.message), file=sys.stderr)
            return 2
        runtime = await Runtime(settings).ensure_started()
        principal = Principal(user_id="cli", tenant_id=args.tenant, roles=("admin",))
        options = ImportOptions(
            cost_column=args.cost_column, skip_bad_rows=args.skip_bad_rows, tenant_name=args.tenant_name
        )
        t0 = time.perf_counter()
        outcomes: list[str] = []
        try:
            for path in files:
                source = clean_name(path.name)
                if not args.quiet:
                    print(say("cli.file", file=path.name, tenant=args.tenant), file=sys.stderr)
                shown = [0.0]

                async def progress(share: float, rows: int, name: str = path.name, shown: list[float] = shown) -> None:
                    now = time.monotonic()
                    if not args.quiet and (now - shown[0] >= 0.2 or share >= 1.0):
                        shown[0] = now
                        print(_bar(name, share, rows), end="", file=sys.stderr, flush=True)

                job = await create_job(runtime, principal, source, options)
                row = await run_job(runtime, principal, job["id"], path, source, options, progress)
                if not args.quiet:
                    print(file=sys.stderr)
                view: dict[str, Any] = public_view(row)
                outcomes.append(view["status"])
                _print(view, args.json, lang, say)
        except AgentError as exc:
            print(say("cli.error", message=exc.message), file=sys.stderr)
            return 1
        except Exception as exc:
            if not is_dependency_error(exc):
                raise
            print(say("cli.error", message="the database is unavailable"), file=sys.stderr)
            return 1
        finally:
            await runtime.stop()
        imported = outcomes.count("imported")
        print(
            say(
                "cli.done",
                files=len(outcomes),
                imported=imported,
                rejected=len(outcomes) - imported,
                seconds=f"{time.perf_counter() - t0:.1f}",
            ),
            file=sys.stderr,
        )
        return 0 if imported == len(outcomes) else 1

    return asyncio.run(run())


def _print(view: dict[str, Any], as_json: bool, lang: str, say: Any) -> None:
    from ..imports.conformance import report_lines

    if as_json:
        print(json.dumps(view, ensure_ascii=False, default=str))
        return
    if view["report"]:
        for line in report_lines(view["report"], lang):
            print(line)
    if view["error"] and view["status"] == "failed":
        print(say("cli.error", message=view["error"]["message"]))
    print()
