"""Tool specs as the model receives them, built once per process.

The registry renders each tool's JSON Schema from its pydantic model on every call (milliseconds
per tool); a turn needs the same specs every time, so they are cached. They are also slimmed
(`_slim`): every token of a schema is paid on every model call of every turn.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any, Protocol


class SpecSource(Hashable, Protocol):
    def specs(self, names: Sequence[str] | None = None) -> list[dict[str, Any]]: ...


_NULL = {"type": "null"}


def _slim(schema: Any) -> Any:
    """The schema as the model needs it, which every argument is still validated against in full
    by the registry: no titles, no `additionalProperties: false`, no `default: null`, no trivial
    bounds or string lengths, and an
    optional value's `anyOf [X, null]` written as X (it is optional by not being required)."""
    if isinstance(schema, list):
        return [_slim(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if (k == "title" and isinstance(v, str)) or (k == "additionalProperties" and v is False):
            continue
        if (k == "default" and v is None) or (k in ("minimum", "minLength") and v in (0, 1)) or k == "maxLength":
            continue  # trivial bounds; string lengths a model never nears (over-long input is refused)
        if k == "anyOf" and isinstance(v, list) and len(v) == 2 and _NULL in v:
            out.update(_slim(next(x for x in v if x != _NULL)))
            continue
        out[k] = _slim(v)
    return out


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
