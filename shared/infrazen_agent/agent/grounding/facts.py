"""Typed facts: the figures a model may cite, each with its kind, unit or currency, period and a
name saying what it is (`savings.monthly`, `resource.spec.ram_gb`, `effort.hours`).

Facts are read from tool outputs by declaration, never guessed from key names: every `Money`
object is a money fact (it carries its currency and period); any other number is a fact only
when its model declares it (`declare`, beside the output models in `tools/facts.py`). Ids,
versions, ranks, token counts and confidences are not declared, so they can be quoted as what
they are, never as money.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from pydantic import BaseModel

from ...data.money import Money

Kind = Literal["money", "percent", "count", "size", "cpu", "duration", "score", "ratio"]
# Period words in fact names: "savings" + month -> "savings.monthly".
_PERIOD_NAMES = {"month": "monthly", "year": "yearly", "day": "daily", "hour": "hourly", "range": "total"}


@dataclass(frozen=True, slots=True)
class Fact:
    value: float
    kind: Kind
    name: str  # what it is: "savings.monthly", "resource.spec.vcpu"
    unit: str | None = None  # currency code for money; "GB", "vCPU", "h", "day", "%"
    period: str | None = None  # month | year | day | hour | range
    path: str = ""  # where it was read: "get_recommendation.savings_monthly.amount"

    def to_list(self) -> list[Any]:
        return [self.value, self.kind, self.name, self.unit, self.period, self.path]

    @classmethod
    def from_list(cls, row: list[Any]) -> Fact:
        return cls(float(row[0]), row[1], str(row[2]), row[3], row[4], str(row[5]))


# --- declarations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number field (or a list of numbers) that is a citable fact."""

    kind: Kind
    name: str
    unit: str | None = None
    period: str | None = None  # money floats: the period they cover


@dataclass(frozen=True)
class Named:
    """A nested object (a model or a Money) whose facts are named under `name`."""

    name: str


@dataclass(frozen=True)
class Length:
    """The number of items of a list field is a count fact ("5 alternatives", "7 steps")."""

    name: str
    inner: str | None = None  # the items' own facts are named under this (default: the field's name)


@dataclass(frozen=True)
class Keys:
    """A free-form object (evidence): only these keys are facts."""

    keys: Mapping[str, Quantity | Text]


@dataclass(frozen=True)
class Text:
    """A string the service wrote from data ("16 vCPU / 32 GB RAM"): its typed figures are facts."""

    name: str


Spec = Quantity | Named | Length | Keys | Text
_DECLARED: dict[type[BaseModel], dict[str, Spec]] = {}


def percent(name: str) -> Quantity:
    return Quantity("percent", name, "%")


def declare(model: type[BaseModel], **fields: Spec) -> None:
    unknown = set(fields) - set(model.model_fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    _DECLARED.setdefault(model, {}).update(fields)


def declared(model: type[BaseModel]) -> dict[str, Spec]:
    return _DECLARED.get(model, {})


# --- reading facts ------------------------------------------------------------------------------


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@cache
def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation (`X`, `X | None`, `list[X]`), if any."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple):
        return next((m for arg in typing.get_args(annotation) if (m := _model_in(arg)) is not None), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _money_fact(data: Any, name: str, path: str) -> Fact | None:
    if not isinstance(data, Mapping) or not _is_number(data.get("amount")):
        return None
    period = data.get("period")
    suffix = _PERIOD_NAMES.get(str(period), "")
    if suffix and not name.endswith(suffix) and not name.endswith(f"_{suffix}"):
        name = _join(name, suffix)
    return Fact(float(data["amount"]), "money", name, str(data.get("currency")), period, f"{path}.amount")


def _currency_of(data: Any) -> str | None:
    """The currency of bare money floats in an output: its `currency` key or its first Money."""
    if isinstance(data, Mapping):
        if isinstance(data.get("currency"), str):
            return str(data["currency"])
        for value in data.values():
            if isinstance(value, Mapping | list) and (found := _currency_of(value)):
                return found
    elif isinstance(data, list):
        for value in data[:3]:
            if found := _currency_of(value):
                return found
    return None


def _quantities(q: Quantity, value: Any, prefix: str, path: str, currency: str | None) -> Iterable[Fact]:
    values = value if isinstance(value, list) else [value]
    unit = currency if q.kind == "money" and q.unit is None else q.unit
    for i, v in enumerate(values):
        if _is_number(v):
            where = f"{path}[{i}]" if isinstance(value, list) else path
            yield Fact(float(v), q.kind, _join(prefix, q.name), unit, q.period, where)


def text_facts(value: Any, name: str, path: str) -> list[Fact]:
    """The typed figures of a string the service wrote; bare numbers in it say too little to cite."""
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in text_facts(v, name, f"{path}[{i}]")]
    if not isinstance(value, str):
        return []
    from .claims import extract_claims

    out = []
    for c in extract_claims(value):
        if c.kind != "number":
            kind = typing.cast(Kind, c.kind)
            out.append(Fact(c.value, kind, f"{name}.{c.kind}", c.unit, c.period, path))
    return out


def facts_of(model: type[BaseModel], data: Any, prefix: str = "", path: str = "") -> list[Fact]:
    """The declared facts of one output (`data` as JSON, e.g. `model_dump(mode="json")`)."""
    out: list[Fact] = []
    _walk(model, data, prefix, path, _currency_of(data), out)
    return out


def _walk(model: type[BaseModel], data: Any, prefix: str, path: str, currency: str | None, out: list[Fact]) -> None:
    if not isinstance(data, Mapping):
        return
    specs = declared(model)
    for field_name, info in model.model_fields.items():
        value = data.get(field_name)
        if value is None:
            continue
        spec = specs.get(field_name)
        where = _join(path, field_name)
        if isinstance(spec, Quantity):
            out.extend(_quantities(spec, value, prefix, where, currency))
            continue
        if isinstance(spec, Text):
            out.extend(text_facts(value, _join(prefix, spec.name), where))
            continue
        if isinstance(spec, Keys) and isinstance(value, Mapping):
            for key, q in spec.keys.items():
                if key not in value:
                    continue
                if isinstance(q, Text):
                    out.extend(text_facts(value[key], _join(prefix, q.name), _join(where, key)))
                else:
                    out.extend(_quantities(q, value[key], prefix, _join(where, key), currency))
            continue
        if isinstance(spec, Length) and isinstance(value, list):
            out.append(Fact(float(len(value)), "count", _join(prefix, spec.name), None, None, f"{where}.length"))
        child = _model_in(cast(Any, info.annotation))
        if child is None:
            continue
        local = (
            spec.name
            if isinstance(spec, Named)
            else (spec.inner if isinstance(spec, Length) and spec.inner is not None else field_name)
        )
        name = _join(prefix, local)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            item_path = f"{where}[{i}]" if isinstance(value, list) else where
            if child is Money:
                if (fact := _money_fact(item, name, item_path)) is not None:
                    out.append(fact)
            else:
                _walk(child, item, name, item_path, currency, out)
