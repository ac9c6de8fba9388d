"""Conditions -> Choice rules (JSONPath ASL): a pure function, no Lambda.

A field path (models.field_paths) becomes a JSONPath into the state document: `input.x` -> `$.input.x`,
`steps."Check stock".output.ok` -> `$.results.<its path key>.output.ok` (names -> keys from the step tree, so no
step name ever appears in a path), `item`/`index` -> `$.item`/`$.index` (a map iteration's document), and a
member name that is not a plain identifier in bracket notation (`$.input['a b']`). `error` reads the error
name a step that continued on error left (`$.results.<key>.Error`).

Each comparison is guarded: Step Functions fails the run with States.Runtime when a Choice rule's Variable is
missing, so a rule is `And[IsPresent, Is<Type>, <comparison>]` and a missing or mistyped field makes it false.
The comparison is picked by the value's JSON type (StringEquals, NumericEquals, BooleanEquals...); `ne` is
the guarded Not of `eq` (a missing field is not "not equal": the condition is false).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workflow_engine.models.conditions import AllOf, AnyOf, Comparison, Condition
from workflow_engine.models.field_paths import FieldPath

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ORDER = {"gt": "GreaterThan", "ge": "GreaterThanEquals", "lt": "LessThan", "le": "LessThanEquals"}


def json_path(path: FieldPath, step_keys: Mapping[str, str]) -> str:
    """The JSONPath of `path` in the state document; `step_keys` maps the visible step names to path keys."""
    if path.root == "steps":
        name, field, *rest = path.parts
        key = step_keys[str(name)]  # models.workflow_rules refuses a path to a step that is not visible
        text = f"$.results.{key}.{'output' if field == 'output' else 'Error'}"
        parts: list[Any] = rest
    else:
        text, parts = f"$.{path.root}", list(path.parts)
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN.match(part):
            text += f".{part}"
        else:
            text += f"['{part}']"  # models.field_paths refuses quotes and backslashes in names
    return text


def glob_pattern(glob: str) -> str:
    """A glob (`*` any characters) as a StringMatches pattern: a backslash is escaped, `*` stays the wildcard."""
    return glob.replace("\\", "\\\\")


def _typed(op: str, value: Any) -> tuple[str, str]:
    """(type guard, comparison operator) for comparing with `value`."""
    if isinstance(value, bool):
        return "IsBoolean", "BooleanEquals"
    kind = "String" if isinstance(value, str) else "Numeric"
    guard = "IsString" if kind == "String" else "IsNumeric"
    return guard, f"{kind}{_ORDER.get(op, 'Equals')}"


def comparison_rule(comparison: Comparison, step_keys: Mapping[str, str]) -> dict[str, Any]:
    variable = json_path(comparison.field_path, step_keys)
    op = comparison.op
    present = {"Variable": variable, "IsPresent": True}
    if op == "exists":
        return present
    if op == "missing":
        return {"Variable": variable, "IsPresent": False}
    if op in ("true", "false"):
        guard, test = "IsBoolean", {"Variable": variable, "BooleanEquals": op == "true"}
    elif op == "matches":
        guard, test = "IsString", {"Variable": variable, "StringMatches": glob_pattern(str(comparison.value))}
    else:
        guard, operator = _typed(op, comparison.value)
        test = {"Variable": variable, operator: comparison.value}
        if op == "ne":
            test = {"Not": test}
    return {"And": [present, {"Variable": variable, guard: True}, test]}


def condition_rule(condition: Condition, step_keys: Mapping[str, str]) -> dict[str, Any]:
    """The Choice rule of a condition (without `Next`: the caller adds it to the top-level rule)."""
    if isinstance(condition, Comparison):
        return comparison_rule(condition, step_keys)
    if isinstance(condition, AllOf):
        return {"And": [condition_rule(inner, step_keys) for inner in condition.all]}
    if isinstance(condition, AnyOf):
        return {"Or": [condition_rule(inner, step_keys) for inner in condition.any]}
    return {"Not": condition_rule(condition.not_, step_keys)}
