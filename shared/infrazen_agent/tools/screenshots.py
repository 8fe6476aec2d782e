"""`reconcile_screenshot`: read one of the caller's uploaded screenshots (vision model or OCR) and
compare its figures with the tenant's data for the same provider and period."""

from __future__ import annotations

from pydantic import Field

from ..llm import CallMeta
from ..screenshots.reconcile import ReconcileOut, reconcile
from ..wording import format_amount
from .common import ToolInput, source_of
from .registry import Tool, ToolContext


class ReconcileInput(ToolInput):
    upload_id: str = Field(max_length=80, description="the screenshot's upload id (up_…)")


async def reconcile_screenshot(ctx: ToolContext, args: ReconcileInput) -> tuple[ReconcileOut, str]:
    from ..screenshots.reader import read_screenshot

    meta = CallMeta(
        tenant_id=ctx.principal.tenant_id,
        user_id=ctx.principal.user_id,
        scenario="screenshot",
        session_id=ctx.session_id,
        turn_id=ctx.turn_id,
        request_id=ctx.request_id,
    )
    _, extraction = await read_screenshot(ctx.runtime, ctx.principal, args.upload_id, meta=meta)
    out = await reconcile(args.upload_id, extraction, source_of(ctx), ctx.principal)
    differing = [i for i in out.items if i.status in ("differs", "close")]
    head = f"{out.kind} read by {out.reader}; {out.provider_name or 'provider not named'}; verdict {out.verdict}"
    if out.total is not None:
        head += f"; total on screenshot {format_amount(out.total.screenshot, 'en')}"
        if out.total.data is not None:
            head += f" vs data {format_amount(out.total.data, 'en')}"
    if differing:
        head += f"; {len(differing)} line(s) differ"
    return out, head


TOOLS = [
    Tool(
        "reconcile_screenshot",
        1,
        "Read a screenshot the user attached (bill, billing console, chart, metrics) and compare its figures with "
        "the tenant's data for the same provider and period: matches, mismatches with the delta and likely reason, "
        "lines the data does not know. Figures from the image are labelled as read from the screenshot.",
        ReconcileInput,
        ReconcileOut,
        reconcile_screenshot,
        required_role="viewer",
        timeout_s=30.0,
    ),
]
