"""`infrazen-agent gc` (expired uploads and orphan objects) and `infrazen-agent screenshots`
(draw sample billing screenshots from a demo tenant's data; read and reconcile an image file)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from ..cli import command
from ..config import Settings


def _gc_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--orphan-age", type=float, default=3600.0, metavar="S", help="objects without a row, once this old")


@command("gc", "delete expired uploads (rows and objects) and objects no row points at", _gc_args)
def gc(args: argparse.Namespace, settings: Settings) -> int:
    from ..runtime import Runtime
    from ..uploads import collect_garbage

    async def run() -> dict[str, int]:
        runtime = await Runtime(settings).ensure_started()
        try:
            return await collect_garbage(runtime, orphan_age_s=args.orphan_age)
        finally:
            await runtime.stop()

    print(json.dumps(asyncio.run(run())))
    return 0


def _shots_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    samples = sub.add_parser("samples", help="draw sample screenshots from a tenant's own cost data")
    samples.add_argument("--out", type=Path, default=Path("screenshots"), help="folder (default ./screenshots)")
    samples.add_argument("--tenant", default="1001", help="demo tenant (default 1001)")
    read = sub.add_parser("read", help="read an image file and reconcile it with a tenant's data (JSON)")
    read.add_argument("file", type=Path, help="a PNG or JPEG screenshot of a bill")
    read.add_argument("--tenant", default="1001", help="whose data it is reconciled with (default 1001)")
    read.add_argument("--user", default=None, help="user id (default: the tenant id)")


@command("screenshots", "sample billing screenshots from demo data, or read and reconcile an image", _shots_args)
def screenshots(args: argparse.Namespace, settings: Settings) -> int:
    from ..auth import Principal
    from ..runtime import Runtime

    async def started() -> Runtime:
        from ..api.tools import on_start as load_demo

        runtime = Runtime(settings)
        runtime.start_hooks.append(load_demo)  # the demo data, as `serve` loads it
        return await runtime.ensure_started()

    principal = Principal(user_id=getattr(args, "user", None) or args.tenant, tenant_id=args.tenant, roles=("analyst",))

    async def samples() -> list[str]:
        from ..data.catalog import PROVIDER_NAMES
        from ..data.source import get_source
        from ..screenshots.samples import LAYOUTS, bill_from_data, encode, render

        runtime = await started()
        try:
            source = get_source(runtime)
            args.out.mkdir(parents=True, exist_ok=True)
            written: list[str] = []
            for provider in PROVIDER_NAMES:
                bill = await bill_from_data(source, principal, provider)
                if not bill.lines:
                    continue
                first = not written
                for layout in LAYOUTS:
                    for lang in ("ru", "en"):
                        path = args.out / f"{provider}-{layout}-{lang}.png"
                        path.write_bytes(encode(render(bill, layout, lang)))
                        written.append(str(path))
                if first:  # one JPEG, the way a chat app recompresses a pasted image
                    path = args.out / f"{provider}-console-ru.jpg"
                    path.write_bytes(encode(render(bill, "console", "ru"), "JPEG", 70))
                    written.append(str(path))
            return written
        finally:
            await runtime.stop()

    async def read() -> str:
        from ..tools import ToolContext, get_registry
        from ..uploads import store_upload

        runtime = await started()
        try:
            record = await store_upload(runtime, principal, args.file.name, args.file.read_bytes())
            ctx = ToolContext(runtime=runtime, principal=principal, admitted=True)
            result = await get_registry().call("reconcile_screenshot", {"upload_id": record.upload_id}, ctx)
            return result.model_dump_json(indent=2)
        finally:
            await runtime.stop()

    if args.action == "samples":
        print(json.dumps({"written": asyncio.run(samples())}, indent=2))
    else:
        print(asyncio.run(read()))
    return 0
