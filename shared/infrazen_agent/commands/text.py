"""`infrazen-agent text <recommendation_id>`: print the recommendation text for a demo id."""

from __future__ import annotations

import argparse
import asyncio

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("recommendation_id", type=int, help="the recommendation's id (see `infrazen-agent demo`)")
    p.add_argument("--tenant", help="tenant id (default: the tenant that owns the recommendation)")
    p.add_argument("--language", choices=["ru", "en"], help="the text's language (default ru)")
    p.add_argument("--json", action="store_true", help="print the whole JSON response")


@command("text", "print the recommendation text for a recommendation id (uses the running data dir)", _args)
def text(args: argparse.Namespace, settings: Settings) -> int:
    from ..auth import Principal
    from ..runtime import Runtime
    from ..text.model import TextRequest
    from ..text.service import generate

    async def run() -> int:
        runtime = await Runtime(settings).ensure_started()
        try:
            tenant = args.tenant
            if tenant is None:
                async with runtime.pool.connection() as conn:
                    row = await (
                        await conn.execute(
                            "SELECT tenant_id FROM recommendations WHERE id = %s", (args.recommendation_id,)
                        )
                    ).fetchone()
                if row is None:
                    print(f"recommendation {args.recommendation_id} not found (try `infrazen-agent demo`)")
                    return 1
                tenant = row["tenant_id"]
            req = TextRequest(recommendation_id=args.recommendation_id, language=args.language)
            result = await generate(runtime, Principal(user_id="cli", tenant_id=tenant), req)
            print(result.model_dump_json(indent=2) if args.json else result.text)
            return 0
        finally:
            await runtime.stop()

    return asyncio.run(run())
