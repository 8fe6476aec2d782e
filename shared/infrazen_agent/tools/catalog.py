"""The tool catalog (the read tools and the action tools), assembled into a registry."""

from __future__ import annotations

from ..actions import tools as actions
from . import analytics, forecast, inventory, knowledge, planning, pricing, recommendations, screenshots
from .registry import ToolRegistry

MODULES = (inventory, pricing, recommendations, analytics, forecast, planning, screenshots, knowledge, actions)


def build_registry() -> ToolRegistry:
    registry = ToolRegistry()
    for module in MODULES:
        for tool in module.TOOLS:
            registry.register(tool)
    return registry
