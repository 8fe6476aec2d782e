"""`infrazen-agent report --tenant T`: make a FinOps report (HTML and/or PDF) into files, the same
report `POST /v1/reports` makes, with the tool calls audited under the CLI user."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tenant", required=True, help="the tenant whose data the report shows")
    p.add_argument("--persona", choices=["cfo", "cto", "finops", "product"], default="finops", help="who reads it")
    p.add_argument("--days", type=int, default=30, help="the last N days of data (1–366; default 30)")
    p.add_argument("--language", choices=["ru", "en"], default="ru", help="the report's language (default ru)")
    p.add_argument("--format", choices=["html", "pdf", "both"], default="both", help="files written (default both)")
    p.add_argument("--out", type=Path, default=Path("."), help="folder for the files (default: here)")


@command("report", "make a FinOps report of a tenant's data into HTML and/or PDF files", _args)
def report(args: argparse.Namespace, settings: Settings) -> int:
    from ..auth import Principal
    from ..errors import AgentError
    from ..reports.builder import build
    from ..reports.html import render_html
    from ..reports.pdf import render_pdf
    from ..runtime import Runtime

    if not 1 <= args.days <= 366:
        print("--days must be between 1 and 366", file=sys.stderr)
        return 2

    async def run() -> int:
        runtime = await Runtime(settings).ensure_started()
        principal = Principal(user_id="cli", tenant_id=args.tenant, roles=("analyst",))
        try:
            t0 = time.perf_counter()
            print(f"collecting the data of tenant {args.tenant}…", file=sys.stderr)
            made = await build(runtime, principal, persona=args.persona, language=args.language, days=args.days)
            html = render_html(made)
            args.out.mkdir(parents=True, exist_ok=True)
            # Not Path.with_suffix: a dotted tenant ("acme.io") would lose the persona and language.
            stem = f"report-{args.tenant}-{args.persona}-{args.language}".replace("/", "_")
            written = []
            if args.format in ("html", "both"):
                (args.out / f"{stem}.html").write_text(html, encoding="utf-8")
                written.append(args.out / f"{stem}.html")
            if args.format in ("pdf", "both"):
                print("printing the PDF…", file=sys.stderr)
                pdf = await render_pdf(html, max_pages=settings.report_pdf_max_pages)
                (args.out / f"{stem}.pdf").write_bytes(pdf)
                written.append(args.out / f"{stem}.pdf")
            for path in written:
                print(path)
            print(f"{made.title}: {len(made.sections)} sections in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            return 0
        except AgentError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        finally:
            await runtime.stop()

    return asyncio.run(run())
