"""Conditions of a `choice` step's branches: a comparison on a field path, or all/any/not of conditions.

    {"path": "input.order.total", "op": "gt", "value": 100}
    {"all": [{...}, {...}]}   {"any": [...]}   {"not": {...}}

Ops: eq ne gt ge lt le (compare with `value`: a string, number or boolean; gt..le take a string or a number),
exists missing (no value), true false (the field is that boolean; no value), matches (a string glob where `*`
is any run of characters). They compile to Choice rules (workflow_engine.asl.conditions), never to a Lambda.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from workflow_engine.models.config_base import Strict
from workflow_engine.models.field_paths import FieldPath, parse_field_path

MAX_CONDITIONS = 20  # in one all/any
Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "exists", "missing", "true", "false", "matches"]
NO_VALUE_OPS = ("exists", "missing", "true", "false")
ORDER_OPS = ("gt", "ge", "lt", "le")


class Comparison(Strict):
    path: str = Field(min_length=1, max_length=1_024)
    op: Op
    value: str | int | float | bool | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        parse_field_path(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _known_op(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("op"), str) and data["op"] not in Op.__args__:  # type: ignore[attr-defined]
            raise ValueError(f"unknown op {data['op']!r}: one of {', '.join(Op.__args__)}")  # type: ignore[attr-defined]
        return data

    @model_validator(mode="after")
    def _value_fits_op(self) -> Comparison:
        has_value = self.value is not None  # a stored definition dumps `"value": null` for the ops without one
        if self.op in NO_VALUE_OPS:
            if has_value:
                raise ValueError(f"op {self.op!r} takes no value")
        elif not has_value or self.value is None:
            raise ValueError(f"op {self.op!r} needs a value (a string, number or boolean)")
        elif self.op in ORDER_OPS and isinstance(self.value, bool):
            raise ValueError(f"op {self.op!r} compares numbers or strings, not booleans")
        elif self.op == "matches" and not isinstance(self.value, str):
            raise ValueError("op 'matches' takes a string pattern (`*` matches any characters)")
        return self

    @property
    def field_path(self) -> FieldPath:
        return parse_field_path(self.path)


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class NotOf(Strict):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(
        extra="forbid",
        str_max_length=Strict.model_config.get("str_max_length"),
        populate_by_name=True,
        serialize_by_alias=True,
    )


def _condition_kind(data: Any) -> str:
    """Which condition `data` is, told by its keys (so a 422 speaks of one shape, not of four)."""
    if isinstance(data, dict):
        for key in ("all", "any", "not"):
            if key in data:
                return key
    elif isinstance(data, (AllOf, AnyOf, NotOf)):
        return "all" if isinstance(data, AllOf) else "any" if isinstance(data, AnyOf) else "not"
    return "comparison"


Condition = Annotated[
    Union[
        Annotated[Comparison, Tag("comparison")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
    ],
    Discriminator(_condition_kind),
]


def comparisons(condition: Condition) -> list[Comparison]:
    """Every comparison in a condition, depth-first."""
    if isinstance(condition, Comparison):
        return [condition]
    if isinstance(condition, AllOf):
        return [leaf for inner in condition.all for leaf in comparisons(inner)]
    if isinstance(condition, AnyOf):
        return [leaf for inner in condition.any for leaf in comparisons(inner)]
    return comparisons(condition.not_)
