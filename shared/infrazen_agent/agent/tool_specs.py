"""Tool specs as the model receives them, built once per process.

The registry renders each tool's JSON Schema from its pydantic model on every call (milliseconds
per tool); a turn needs the same specs every time, so they are cached. They are also slimmed:
pydantic's per-property "title" repeats the property name and costs prompt tokens on every call.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any, Protocol


class SpecSource(Hashable, Protocol):
    def specs(self, names: Sequence[str] | None = None) -> list[dict[str, Any]]: ...


def _slim(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _slim(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_slim(v) for v in schema]
    return schema


@lru_cache(maxsize=64)
def _cached(registry: SpecSource, names: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    specs = registry.specs(list(names))
    return tuple({**s, "function": {**s["function"], "parameters": _slim(s["function"]["parameters"])}} for s in specs)


def model_specs(registry: SpecSource, names: Sequence[str]) -> list[dict[str, Any]]:
    """The OpenAI-format specs of `names`, shared and read-only (the gateway copies them before
    handing them to a library that might change them)."""
    return list(_cached(registry, tuple(names)))


def spec_by_name(registry: SpecSource, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {s["function"]["name"]: s for s in _cached(registry, tuple(names))}
