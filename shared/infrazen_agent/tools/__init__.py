"""Tools: the registry (schemas, versions, scopes, limits, audit) and the read-only catalog the
agent and `POST /v1/tools/{name}` call. `get_registry()` is the process-wide instance."""

from __future__ import annotations

from functools import lru_cache

from .registry import Tool, ToolContext, ToolRegistry, ToolResult

__all__ = ["Tool", "ToolContext", "ToolRegistry", "ToolResult", "get_registry"]


@lru_cache(maxsize=1)
def get_registry() -> ToolRegistry:
    # Imported here so that importing the registry types does not pull in every tool module.
    from .catalog import build_registry

    return build_registry()
