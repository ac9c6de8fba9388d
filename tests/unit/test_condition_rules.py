"""Conditions -> Choice rules: every op, all/any/not, quoted names, guards against missing or mistyped fields."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from workflow_engine.asl.conditions import condition_rule, glob_pattern, json_path
from workflow_engine.models.conditions import Condition
from workflow_engine.models.field_paths import parse_field_path

KEYS = {"Check stock": "s1", "a": "s0"}
CONDITION: TypeAdapter[Any] = TypeAdapter(Condition)


def rule(condition: dict[str, Any]) -> dict[str, Any]:
    return condition_rule(CONDITION.validate_python(condition), KEYS)


def guarded(variable: str, guard: str, test: dict[str, Any]) -> dict[str, Any]:
    return {"And": [{"Variable": variable, "IsPresent": True}, {"Variable": variable, guard: True}, test]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("input.order.total", "$.input.order.total"),
        ('steps."Check stock".output.ok', "$.results.s1.output.ok"),
        ('steps."a".error', "$.results.s0.Error"),
        ("input.items[0].sku", "$.input.items[0].sku"),
        ('input."unit price"."x-y"', "$.input['unit price']['x-y']"),
        ("item", "$.item"),
        ("index", "$.index"),
    ],
)
def test_field_paths_become_json_paths_into_the_state_document(path: str, expected: str) -> None:
    assert json_path(parse_field_path(path), KEYS) == expected


@pytest.mark.parametrize(
    ("op", "value", "guard", "operator"),
    [
        ("eq", "x", "IsString", "StringEquals"),
        ("eq", 3, "IsNumeric", "NumericEquals"),
        ("eq", 2.5, "IsNumeric", "NumericEquals"),
        ("eq", True, "IsBoolean", "BooleanEquals"),
        ("gt", 1, "IsNumeric", "NumericGreaterThan"),
        ("ge", 1, "IsNumeric", "NumericGreaterThanEquals"),
        ("lt", "m", "IsString", "StringLessThan"),
        ("le", "m", "IsString", "StringLessThanEquals"),
    ],
)
def test_comparisons_pick_the_operator_by_the_value_s_type(op: str, value: Any, guard: str, operator: str) -> None:
    assert rule({"path": "input.x", "op": op, "value": value}) == guarded(
        "$.input.x", guard, {"Variable": "$.input.x", operator: value}
    )


def test_ne_is_the_guarded_not_of_eq() -> None:
    assert rule({"path": "input.x", "op": "ne", "value": 1}) == guarded(
        "$.input.x", "IsNumeric", {"Not": {"Variable": "$.input.x", "NumericEquals": 1}}
    )


def test_exists_missing_true_false_matches() -> None:
    assert rule({"path": "input.x", "op": "exists"}) == {"Variable": "$.input.x", "IsPresent": True}
    assert rule({"path": "input.x", "op": "missing"}) == {"Variable": "$.input.x", "IsPresent": False}
    assert rule({"path": "input.x", "op": "true"}) == guarded(
        "$.input.x", "IsBoolean", {"Variable": "$.input.x", "BooleanEquals": True}
    )
    assert rule({"path": "input.x", "op": "false"}) == guarded(
        "$.input.x", "IsBoolean", {"Variable": "$.input.x", "BooleanEquals": False}
    )
    assert rule({"path": "input.x", "op": "matches", "value": "*.pdf"}) == guarded(
        "$.input.x", "IsString", {"Variable": "$.input.x", "StringMatches": "*.pdf"}
    )


def test_a_glob_s_backslash_is_escaped_for_string_matches() -> None:
    assert glob_pattern("a\\b*") == "a\\\\b*"


def test_all_any_not_nest() -> None:
    exists = {"path": 'steps."Check stock".output.ok', "op": "exists"}
    present = {"Variable": "$.results.s1.output.ok", "IsPresent": True}
    assert rule({"all": [exists, {"any": [exists, {"not": exists}]}]}) == {
        "And": [present, {"Or": [present, {"Not": present}]}]
    }
