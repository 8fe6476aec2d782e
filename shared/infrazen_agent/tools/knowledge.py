"""`search_knowledge`: cited passages from the curated FinOps base (provider notes, FOCUS columns,
rightsizing, cleanup, commitments, tagging) and the tenant's own generated texts. The tenant is
the principal's: another tenant's documents are never candidates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..knowledge.model import KnowledgeOut
from ..knowledge.search import DEFAULT_LIMIT, MAX_LIMIT
from .common import ToolInput
from .registry import Tool, ToolContext


class KnowledgeInput(ToolInput):
    query: str = Field(min_length=2, max_length=500, description="the question, in the user's words")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="passages (default 4)")
    source_kind: Literal["guide", "report", "recommendation_text"] | None = Field(
        default=None, description="only guides (curated base), reports or recommendation texts"
    )


async def search_knowledge(ctx: ToolContext, args: KnowledgeInput) -> tuple[KnowledgeOut, str]:
    from ..knowledge.search import search

    out = await search(ctx.runtime, ctx.principal, args.query, limit=args.limit, source_kind=args.source_kind)
    cited = "; ".join(f"{p.title} [{p.passage_id}]" for p in out.passages[:3])
    return out, f"{len(out.passages)} passage(s) ({out.mode}){': ' + cited if cited else ''}"


TOOLS = [
    Tool(
        "search_knowledge",
        1,
        "Search approved FinOps guidance: provider notes (Selectel, Yandex Cloud, Beget, VK Cloud: pricing units, "
        "VAT, egress, managed Kubernetes/DBaaS/S3, migration gotchas), FOCUS columns, rightsizing, cleanup, "
        "commitments, tagging, and this tenant's own reports and recommendation texts. Cite passage_id.",
        KnowledgeInput,
        KnowledgeOut,
        search_knowledge,
        required_role="viewer",
        timeout_s=10.0,
    ),
]
