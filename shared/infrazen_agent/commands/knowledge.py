"""`infrazen-agent knowledge index` (the packaged FinOps base into Postgres; unchanged documents
are left alone) and `infrazen-agent knowledge search "question" --tenant T` (the passages that
tenant's users would get, as JSON)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("index", help="index the packaged knowledge base (idempotent)")
    find = sub.add_parser("search", help="search as a tenant's user would (JSON)")
    find.add_argument("query", help="the question or words to look for")
    find.add_argument("--tenant", required=True, help="the tenant whose own documents may be found too")
    find.add_argument("--limit", type=int, default=4, help="passages shown (default 4)")
    find.add_argument("--kind", choices=["guide", "report", "recommendation_text"], help="only this source kind")


async def search_as(
    settings: Settings, tenant: str, query: str, *, limit: int = 4, kind: str | None = None
) -> dict[str, Any]:
    """What `knowledge search` prints: the search as a viewer of `tenant`, never another's."""
    from ..auth import Principal
    from ..knowledge.search import search
    from ..runtime import Runtime

    runtime = await Runtime(settings).ensure_started()
    try:
        principal = Principal(user_id=f"cli:{tenant}", tenant_id=tenant, roles=("viewer",))
        out = await search(runtime, principal, query, limit=limit, source_kind=kind)
        return out.model_dump(mode="json")
    finally:
        await runtime.stop()


async def index_all(settings: Settings) -> dict[str, Any]:
    from ..knowledge.index import index_guides, status
    from ..runtime import Runtime

    runtime = await Runtime(settings).ensure_started()
    try:
        counts = await index_guides(runtime)
        return {**counts, "status": await status(runtime)}
    finally:
        await runtime.stop()


@command("knowledge", "index the FinOps knowledge base, or search it as a tenant", _args)
def knowledge(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "index":
        print(json.dumps(asyncio.run(index_all(settings)), ensure_ascii=False))
        return 0
    found = asyncio.run(search_as(settings, args.tenant, args.query, limit=args.limit, kind=args.kind))
    print(json.dumps(found, ensure_ascii=False, indent=2))
    return 0
