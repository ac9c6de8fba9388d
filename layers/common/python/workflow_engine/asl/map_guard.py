"""A map's guard on its items: native states (no Lambda) that fail the map step before its Map state runs when
`items` is not a list it can take.

The guard is a Choice named "$items <key>", the state the map step starts at (registry.entry_state); the Map
state keeps the step's name. Its rules, in order (a Choice rule on a missing Variable would fail the run with
States.Runtime, which no Catch catches, so presence is tested first):

- `items` missing, or a string, a number, a boolean or null -> error `Map.ItemsNotAList`;
- `items[MAX_MAP_ITEMS]` present (more than 1,000 items) -> error `Map.TooManyItems`, whose Cause counts them:
  "map 'each' got 1204 items; a map takes at most 1,000" (States.Format and States.ArrayLength). The step's
  name enters the intrinsic as base64 text (States.Base64Decode): no character a user wrote is ever part of
  an intrinsic expression (moto's intrinsic parser does not take AWS's backslash escapes in string literals);
- otherwise -> the Map.

JSONPath Choice rules have no IsArray (and intrinsic functions are not allowed in them), so an *object* at
`items` passes the guard; the Map then fails the run with States.Runtime (AWS and moto both), as before.

An error goes where a Catch on the Map would send it (asl.task.catchers), through one "$items <key> ..." state:
a Pass writing `{"Error", "Cause"}` as the step's result (continue_on_error; inside a block, on through the
"$continued" Pass), or to `$.error` and on to the scope's failure state ("$record failure"); inside a
sub-machine (a map within a parallel or map), a Fail state with that error, which the enclosing block's Catch
sees. The guard costs one transition on every run of the step (a map costs 2: "$items <key>" and the Map),
and one more on an error path. The step's own `retry` does not apply to these errors: the same items would
fail the same way.
"""

from __future__ import annotations

import base64
from typing import Any

from workflow_engine.asl.kinds import StepContext
from workflow_engine.asl.names import ITEMS_PREFIX, result_path
from workflow_engine.asl.task import continued_state_name
from workflow_engine.models.block_configs import MAX_MAP_ITEMS
from workflow_engine.models.step_tree import is_top_level

# Dotted like a service error: models.execution.readable_error shows its Cause (an undotted name is a Lambda's
# internal exception, whose message it hides).
TOO_MANY_ITEMS = "Map.TooManyItems"
NOT_A_LIST = "Map.ItemsNotAList"
_NOT_LIST_TESTS = ("IsString", "IsNumeric", "IsBoolean", "IsNull")


def guard_name(key: str) -> str:
    return f"{ITEMS_PREFIX}{key}"


def intrinsic_text(text: str) -> str:
    """Any text as an intrinsic function argument: States.Base64Decode of its base64 (letters, digits, `+/=`),
    so user text stays data, never a path, a function or a broken literal."""
    return f"States.Base64Decode('{base64.b64encode(text.encode()).decode()}')"


def too_many_cause(step_name: str, items_path: str) -> str:
    """The intrinsic Cause of Map.TooManyItems: the step's name and the number of items, in one sentence."""
    template = f"'map {{}} got {{}} items; a map takes at most {MAX_MAP_ITEMS:,}'"
    return f"States.Format({template}, {intrinsic_text(repr_name(step_name))}, States.ArrayLength({items_path}))"


def repr_name(step_name: str) -> str:
    return f"'{step_name}'"


def guard_states(context: StepContext, items_path: str, items_text: str) -> dict[str, Any]:
    """The guard Choice and its two error states for the map step of `context` (items at `items_path`)."""
    guard, map_state = guard_name(context.key), context.step.name
    too_many, not_a_list = f"{guard} too many", f"{guard} not a list"
    choice = {
        "Type": "Choice",
        "Choices": [
            {"Variable": items_path, "IsPresent": False, "Next": not_a_list},
            {"Or": [{"Variable": items_path, test: True} for test in _NOT_LIST_TESTS], "Next": not_a_list},
            {"Variable": f"{items_path}[{MAX_MAP_ITEMS}]", "IsPresent": True, "Next": too_many},
        ],
        "Default": map_state,
    }
    not_a_list_cause = f"map {repr_name(map_state)}: `{items_text}` is not a list"
    return {
        guard: choice,
        too_many: _error_state(context, TOO_MANY_ITEMS, {"Cause.$": too_many_cause(map_state, items_path)}),
        not_a_list: _error_state(context, NOT_A_LIST, {"Cause": not_a_list_cause}),
    }


def _error_state(context: StepContext, error: str, cause: dict[str, str]) -> dict[str, Any]:
    """Where a Catch on the Map would send `error` (asl.task.catchers), as one state."""
    step, scope = context.step, context.scope
    if step.continue_on_error:
        after = context.after if is_top_level(context.key) else continued_state_name(context.key)
        return _pass(error, cause, result_path(context.key), after)
    if scope.on_failure is not None:
        return _pass(error, cause, "$.error", scope.on_failure)
    fail: dict[str, Any] = {"Type": "Fail", "Error": error}
    for field, value in cause.items():
        fail["CausePath" if field.endswith(".$") else "Cause"] = value
    return fail


def _pass(error: str, cause: dict[str, str], path: str, after: str) -> dict[str, Any]:
    return {"Type": "Pass", "Parameters": {"Error": error, **cause}, "ResultPath": path, "Next": after}
