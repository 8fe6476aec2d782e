"""The LLM layer: one gateway over LiteLLM (models, fallbacks, retries, timeouts, streaming with
tool calls, vision, the usage ledger, budgets, offline mode).

Importing this package does not import LiteLLM; `get_gateway` does, and only when the service is
configured to call models. The health and upload functions never import this package.
"""

from __future__ import annotations

import os

# LiteLLM would otherwise fetch its price map from the internet at import (≈5 s on a closed network).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from .gateway import LLMGateway, get_gateway, load_litellm
from .types import (
    CallMeta,
    Done,
    LLMStreamError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallInvalid,
    ToolCallsReady,
    Usage,
)
from .vision import has_images, image_part, user_message

__all__ = [
    "CallMeta",
    "Done",
    "LLMGateway",
    "LLMStreamError",
    "LLMUnavailable",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallInvalid",
    "ToolCallsReady",
    "Usage",
    "get_gateway",
    "has_images",
    "image_part",
    "load_litellm",
    "user_message",
]
