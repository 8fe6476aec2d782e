"""Reading a screenshot with a vision model: a structured-output call through the gateway (JSON
schema), first to tell the kind of screen, then to read it with that kind's instructions. The
answer is validated like any input; anything malformed is a failed reading (the caller falls
back to OCR), never a half-trusted one."""

from __future__ import annotations

import json
import re
import time
from typing import Any, cast

from pydantic import ValidationError

from ..llm import CallMeta, get_gateway
from ..runtime import Runtime
from .labels import provider_in
from .model import Extraction, ScreenContent, ScreenKind

KINDS: tuple[ScreenKind, ...] = ("invoice", "billing_console", "cost_chart", "metrics_graph", "terminal", "other")
_CLASSIFY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"kind": {"type": "string", "enum": list(KINDS)}, "provider": {"type": ["string", "null"]}},
    "required": ["kind"],
}
_COMMON = (
    "Read only what is written on the image; never compute, estimate or complete a figure. Amounts as numbers "
    "(12 345,67 ₽ -> 12345.67) with the ISO currency (RUB, USD, EUR). Dates as YYYY-MM-DD. For each value give your "
    "confidence 0..1 (below 0.6 when a digit is unclear). Answer with JSON matching the schema, nothing else."
)
PROMPTS: dict[ScreenKind, str] = {
    "invoice": "This is an invoice or bill. Read the supplier (provider), the billing period, every line "
    "(description, quantity and its unit, amount) and the totals: subtotal, VAT (role vat), total and amount due.",
    "billing_console": "This is a cloud billing console. Read the provider, the period shown, each service or "
    "resource row with its amount, and the total for the period.",
    "cost_chart": "This is a cost chart. Read the provider, the period of the axis, the total if it is written, and "
    "each labelled series or bar value that is written as a number (not read off the axis).",
    "metrics_graph": "This is a metrics graph. Read each utilisation figure written on it (CPU, RAM, disk, network, "
    "in %) with its label, the resource name and the period.",
    "terminal": "This is terminal or console text. Read any cost or utilisation figure printed in it with its label.",
    "other": "Read any cost, usage or utilisation figure written on it with its label, and the provider if named.",
}


def _json(text: str) -> Any:
    """The JSON object of a model's answer (some models wrap it in a code fence)."""
    text = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", text.strip())
    return json.loads(text)


def _format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}


async def read_with_model(runtime: Runtime, meta: CallMeta, image: dict[str, Any]) -> Extraction:
    """Raises `ValueError` for an answer that is not the schema's JSON; gateway errors pass on."""
    gateway = get_gateway(runtime)
    t0 = time.perf_counter()

    def ask(instruction: str) -> list[dict[str, Any]]:
        return [
            {"role": "system", "content": f"You read screenshots for a FinOps assistant. {_COMMON}"},
            {"role": "user", "content": [{"type": "text", "text": instruction}, image]},
        ]

    kinds = "Which kind of screen is this: " + ", ".join(KINDS) + "? Name the cloud provider if the screen does."
    first = await gateway.complete(
        ask(kinds), meta=meta, images=True, temperature=0.0, max_tokens=100,
        response_format=_format("screen_kind", _CLASSIFY_SCHEMA),
    )  # fmt: skip
    try:
        kind = _json(first.content).get("kind")
    except (ValueError, AttributeError):
        raise ValueError("the vision model did not answer with the screen kind as JSON") from None
    kind = cast(ScreenKind, kind if kind in KINDS else "other")
    done = await gateway.complete(
        ask(PROMPTS[kind]), meta=meta, images=True, temperature=0.0, max_tokens=2000,
        response_format=_format("screen_content", ScreenContent.model_json_schema()),
    )  # fmt: skip
    try:
        content = ScreenContent.model_validate(_json(done.content))
    except (ValueError, ValidationError):
        raise ValueError("the vision model's reading did not match the schema") from None
    key, _ = provider_in(content.provider or "")
    return Extraction(
        **content.model_dump(exclude={"kind"}),
        kind=kind if content.kind == "other" else content.kind,
        reader="vision",
        model=done.model,
        provider_key=key,
        seconds=round(time.perf_counter() - t0, 3),
    )
