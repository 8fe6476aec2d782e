"""The read-only tool catalog, assembled into a registry."""

from __future__ import annotations

from . import analytics, inventory, planning, pricing, recommendations
from .registry import ToolRegistry

MODULES = (inventory, pricing, recommendations, analytics, planning)


def build_registry() -> ToolRegistry:
    registry = ToolRegistry()
    for module in MODULES:
        for tool in module.TOOLS:
            registry.register(tool)
    return registry
