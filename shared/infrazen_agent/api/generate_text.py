"""The generate_text function: `POST /v1/generate/recommendation-text` (scenario 1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ..deps import CurrentPrincipal, RuntimeDep
from ..errors import AUTH_RESPONSES, Forbidden, NotFound
from ..runtime import Runtime
from ..text.model import TextRequest, TextResponse
from ..text.service import generate_json
from . import reports, usage

router = APIRouter(tags=["generate_text"], responses=AUTH_RESPONSES)
router.include_router(reports.router)  # the InfraZen app's other server-to-server calls
router.include_router(usage.router)  # what the model calls cost, for the tenant's admins

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token"},
    404: {"description": "Unknown recommendation or resource, or another tenant's (same answer)"},
    422: {"description": "Invalid body (e.g. neither or both of recommendation_id and resource_id)"},
    429: {"description": "Tool rate limit reached"},
}


@router.post(
    "/v1/generate/recommendation-text",
    response_model=TextResponse,
    responses=_ERRORS,
    summary="Structured, number-checked text for one recommendation or resource",
)
async def recommendation_text(
    body: TextRequest, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    if principal.is_chat_token and body.recommendation_id is None:
        raise Forbidden("a chat token reads its recommendation's text only")
    if body.recommendation_id is not None and not principal.allows_recommendation(body.recommendation_id):
        raise NotFound("recommendation not found")  # a legacy token minted for another recommendation
    # Bytes straight through: a cache hit is never parsed and re-serialised.
    raw = await generate_json(runtime, principal, body, request_id=getattr(request.state, "request_id", None))
    return Response(raw, media_type="application/json")


async def on_start(runtime: Runtime) -> None:
    """Build the gateway (and load LiteLLM, ~2.7 s, when a model needs it) at start-up, never in
    the first request's path."""
    if runtime.settings.llm_configured:
        from ..llm import get_gateway

        get_gateway(runtime).warm_up()
