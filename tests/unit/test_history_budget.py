"""The history budget at save time (models.history_budget) and the map guard's states (asl.map_guard)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from workflow_engine.asl.compiler import CompileTarget, compile_workflow
from workflow_engine.models.history_budget import HISTORY_LIMIT, HistoryEstimate
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.workflow import WorkflowDefinition

TARGET = CompileTarget(function_arns={"transform": "arn:transform"}, executions_table="executions")


def leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "item"}}


def per_item(name: str, steps: list[Any], items: str = "input.items") -> dict[str, Any]:
    return {"name": name, "type": "map", "config": {"items": items, "steps": steps}}


def definition(steps: list[Any]) -> WorkflowDefinition:
    return WorkflowDefinition.model_validate({"name": "budget", "steps": steps})


def test_a_map_of_four_lambda_steps_fits_and_five_are_refused_naming_the_map():
    fits = definition([per_item("each", [leaf(f"s{i}") for i in range(4)])])
    assert HistoryEstimate(StepTree(fits.steps)).total == 12 + 2 + 4 + 1_000 * (2 + 4 * 5)
    with pytest.raises(ValidationError) as refused:
        definition([per_item("each", [leaf(f"s{i}") for i in range(5)])])
    assert (
        "map 'each' could add 27,006 history events at 1,000 items (5 Lambda steps inside); a run's history "
        "holds 25,000: put fewer steps inside, or split the workflow" in str(refused.value)
    )


def test_a_workflow_step_counts_its_parallel_and_states_and_a_map_of_one_is_refused():
    child = {"name": "Run child", "type": "workflow", "config": {"workflow_id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"}}
    assert HistoryEstimate(StepTree(definition([child]).steps)).total == 12 + 4 + 4 * 5 + 1 + 2 * 2
    with pytest.raises(ValidationError) as refused:
        definition([per_item("each", [child])])
    assert "map 'each' could add 31,006 history events at 1,000 items" in str(refused.value)


def test_nested_maps_multiply_and_the_outer_map_is_named():
    with pytest.raises(ValidationError) as refused:
        definition([per_item("outer", [per_item("inner", [leaf("copy")], items="item")])])
    assert "map 'outer' could add" in str(refused.value)
    assert "(1 Lambda step inside)" in str(refused.value)


def test_blocks_count_their_own_states_and_a_choice_its_longest_branch():
    choice = {
        "name": "route",
        "type": "choice",
        "config": {
            "branches": [{"when": {"path": "input.n", "op": "eq", "value": 1}, "steps": [leaf("a"), leaf("b")]}],
            "otherwise": [leaf("c")],
        },
    }
    parallel = {
        "name": "fan",
        "type": "parallel",
        "config": {"branches": [{"name": "x", "steps": [leaf("d")]}, {"name": "y", "steps": [leaf("e")]}]},
    }
    wait = {"name": "pause", "type": "wait", "config": {"seconds": 1}}
    tree = StepTree(definition([choice, parallel, wait, per_item("each", [leaf("copy")])]).steps)
    estimate = HistoryEstimate(tree)
    assert estimate.total == 12 + (4 + 2 * 5) + (4 + 2 * 5) + 2 + (2 + 4 + 1_000 * (2 + 5))
    assert estimate.total <= HISTORY_LIMIT and estimate.over_budget() is None


def guard_of(steps: list[Any]) -> dict[str, Any]:
    return compile_workflow("wf", "user", definition(steps).steps, TARGET)["States"]


def test_the_map_step_starts_at_its_guard_and_the_map_keeps_the_step_name():
    states = guard_of([leaf("first"), per_item("each", [leaf("copy")])])
    assert states["first"]["Next"] == "$items s1"
    guard = states["$items s1"]
    assert guard["Default"] == "each" and states["each"]["Type"] == "Map"
    assert guard["Choices"][0] == {"Variable": "$.input.items", "IsPresent": False, "Next": "$items s1 not a list"}
    assert guard["Choices"][2] == {"Variable": "$.input.items[1000]", "IsPresent": True, "Next": "$items s1 too many"}
    too_many = states["$items s1 too many"]
    assert too_many["ResultPath"] == "$.error" and too_many["Next"] == "$record failure"
    assert too_many["Parameters"]["Error"] == "Map.TooManyItems"


def test_the_guard_carries_no_user_text_in_its_intrinsic_and_a_nested_one_fails():
    name = "x', $$.Execution.RoleArn, '{}"
    inner = per_item(name, [leaf("copy")])
    fan = {
        "name": "fan",
        "type": "parallel",
        "config": {"branches": [{"name": "a", "steps": [inner]}, {"name": "b", "steps": [leaf("other")]}]},
    }
    branch = guard_of([fan])["fan"]["Branches"][0]
    assert branch["StartAt"] == "$items s0_b0_s0"
    fail = branch["States"]["$items s0_b0_s0 too many"]
    assert fail["Type"] == "Fail" and fail["Error"] == "Map.TooManyItems"
    assert "RoleArn" not in fail["CausePath"]
    assert base64.b64encode(f"'{name}'".encode()).decode() in fail["CausePath"]


def test_with_continue_on_error_the_guard_writes_the_steps_result():
    step = {**per_item("each", [leaf("copy")]), "continue_on_error": True}
    states = guard_of([step, leaf("after")])
    for error_state in ("$items s0 too many", "$items s0 not a list"):
        assert states[error_state]["ResultPath"] == "$.results.s0"
        assert states[error_state]["Next"] == "after"
