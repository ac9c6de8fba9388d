"""The compiler: deterministic ASL (golden files), one state per step, the transition budget."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.group_kind import GroupStep, register_group_kind
from workflow_engine.asl.compiler import (
    FAILED,
    MARK_RUNNING,
    RECORD_SUCCESS,
    RESUME,
    CompileTarget,
    compile_workflow,
    definition_json,
)
from workflow_engine.asl.machine import check_engine_paths_only, path_keys
from workflow_engine.asl.names import ENGINE_PATH_KEYS
from workflow_engine.asl.registry import kind_of
from workflow_engine.models.workflow import WorkflowDefinition

GOLDEN = Path(__file__).parent / "golden"
TARGET = CompileTarget(
    function_arns={
        t: f"arn:aws:lambda:us-east-1:123456789012:function:{t}" for t in ("transform", "http", "ai", "workflow")
    },
    executions_table="executions",
)
WORKFLOW_ID = "11111111-1111-4111-8111-111111111111"
USER_ID = "user-1"

EXAMPLES = {
    "mixed": [
        {"name": "Load order", "type": "transform", "config": {"expression": "input.order"}},
        {
            "name": "Bob's call",
            "type": "http",
            "config": {"url": "https://example.com/{{input.id}}", "method": "post"},
            "timeout_seconds": 5,
            "retry": {"max_attempts": 3, "interval_seconds": 2, "backoff_rate": 1.5},
        },
        {"name": "Pause", "type": "wait", "config": {"seconds": 10}},
        {
            "name": "Summarize",
            "type": "ai",
            "config": {"prompt": 'Summarize {{steps."Load order".output}}'},
            "continue_on_error": True,
        },
    ],
    "single": [{"name": "only", "type": "transform", "config": {"expression": "input"}}],
    "wait_only": [{"name": "nap", "type": "wait", "config": {"seconds": 1}}],
}


def compile_example(steps):
    definition = WorkflowDefinition(name="example", steps=steps)
    return compile_workflow(WORKFLOW_ID, USER_ID, definition.steps, TARGET)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_output_matches_golden_file(name):
    asl = compile_example(EXAMPLES[name])
    path = GOLDEN / f"{name}.asl.json"
    rendered = json.dumps(asl, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert rendered == path.read_text(), f"{path} differs: run UPDATE_GOLDEN=1 pytest {__file__} and review the diff"


def test_same_definition_compiles_to_identical_json():
    assert definition_json(compile_example(EXAMPLES["mixed"])) == definition_json(compile_example(EXAMPLES["mixed"]))


def test_one_state_per_step_named_by_it_and_engine_states_reserved():
    asl = compile_example(EXAMPLES["mixed"])
    user_states = [name for name in asl["States"] if not name.startswith("$")]
    assert user_states == ["Load order", "Bob's call", "Pause", "Summarize"]
    assert asl["QueryLanguage"] == "JSONPath" and asl["StartAt"] == MARK_RUNNING
    assert asl["States"]["Pause"] == {"Type": "Wait", "Seconds": 10, "Next": "Summarize"}


def test_retry_timeout_and_catch_mapping():
    states = compile_example(EXAMPLES["mixed"])["States"]
    call = states["Bob's call"]
    assert call["TimeoutSeconds"] == 5
    assert call["Retry"][-1] == {
        "ErrorEquals": ["States.ALL"],
        "IntervalSeconds": 2,
        "MaxAttempts": 2,
        "BackoffRate": 1.5,
    }
    assert [c["Next"] for c in call["Catch"]] == ["$record timeout", "$record failure"]
    summarize = states["Summarize"]
    assert summarize["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.results.s3", "Next": RECORD_SUCCESS}]
    assert states[RECORD_SUCCESS]["Parameters"]["ExpressionAttributeValues"][":result"] == {
        "S.$": "States.JsonToString($.results.s3)"
    }


def test_step_names_never_appear_in_json_paths():
    asl = compile_example(EXAMPLES["mixed"])

    def paths(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(".$") or key in ("ResultPath", "InputPath", "OutputPath"):
                    yield value
                yield from paths(value)
        elif isinstance(node, list):
            for item in node:
                yield from paths(item)

    for path in paths(asl):
        assert path is None or "Bob" not in path


@pytest.mark.parametrize("steps", [1, 5, 10, 50])
def test_success_path_costs_n_plus_two_states(steps):
    asl = compile_example(
        [{"name": f"s{i}", "type": "transform", "config": {"expression": "input"}} for i in range(steps)]
    )
    visited, state = 0, asl["StartAt"]
    while state:
        visited += 1
        node = asl["States"][state]
        state = None if node.get("End") else node["Next"]
    assert visited == steps + 2
    assert FAILED in asl["States"]


def test_resume_choice_jumps_to_each_step_and_fails_without_a_marker():
    states = compile_example(EXAMPLES["mixed"])["States"]
    assert states[MARK_RUNNING]["Catch"][0] == {
        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
        "ResultPath": None,
        "Next": RESUME,
    }
    assert states[MARK_RUNNING]["Catch"][1]["Next"] == FAILED
    choice = states[RESUME]
    assert choice["Choices"][0] == {"Variable": "$.resume.at", "IsPresent": False, "Next": FAILED}
    assert [(rule["StringEquals"], rule["Next"]) for rule in choice["Choices"][1:]] == [
        ("s0", "Load order"),
        ("s1", "Bob's call"),
        ("s2", "Pause"),
        ("s3", "Summarize"),
    ]
    assert choice["Default"] == FAILED


def test_resumed_path_costs_the_steps_it_runs_plus_three():
    asl = compile_example([{"name": f"s{i}", "type": "transform", "config": {"expression": "input"}} for i in range(5)])
    states = asl["States"]
    # $mark running fails (the item is `running`), $resume jumps to the 4th step, then the rest and $record success.
    path = [MARK_RUNNING, RESUME]
    state = next(rule["Next"] for rule in states[RESUME]["Choices"][1:] if rule["StringEquals"] == "s3")
    while state:
        path.append(state)
        node = states[state]
        state = None if node.get("End") else node["Next"]
    assert path == [MARK_RUNNING, RESUME, "s3", "s4", RECORD_SUCCESS]
    assert len(path) == 2 + 3


ATTACK_CONFIGS = [
    {
        "name": "role",
        "type": "http",
        "config": {"url": "https://example.com", "headers": {"X-Role.$": "$$.Execution.RoleArn"}},
    },
    {
        "name": "context",
        "type": "http",
        "config": {"url": "https://example.com", "method": "POST", "body": {"ctx.$": "$$"}},
    },
    {
        "name": "intrinsic",
        "type": "http",
        "config": {"url": "https://example.com", "method": "POST", "body": {"x.$": "States.ArrayRange(1, 5, 1)"}},
    },
    {
        "name": "deep",
        "type": "http",
        "config": {"url": "https://example.com", "method": "POST", "body": [{"a": {"x.$": "$.nope.deeper"}}]},
    },
]


def test_no_key_a_user_wrote_is_a_path_in_the_compiled_machine():
    """Step Functions evaluates every `.$` key of a Task's Parameters: a config's must reach the step as text."""
    asl = compile_example(ATTACK_CONFIGS)
    assert set(path_keys(asl)) <= ENGINE_PATH_KEYS
    assert not {"X-Role.$", "ctx.$", "x.$"} & set(path_keys(asl))
    for step in ATTACK_CONFIGS:
        sent = asl["States"][step["name"]]["Parameters"]["Payload"]["step"]
        assert json.loads(sent["config_json"]) == WorkflowDefinition(name="w", steps=[step]).steps[0].config.model_dump(
            mode="json"
        )


def test_a_step_named_like_a_path_compiles_its_name_is_a_state_name_not_a_path():
    """Step names are free text: `Price.$` is a state name (a key of `States`), never evaluated, never refused."""
    asl = compile_example(
        [
            {"name": "Price.$", "type": "transform", "config": {"expression": "input"}},
            {"name": "States", "type": "wait", "config": {"seconds": 1}},
            {"name": "Total.$", "type": "transform", "config": {"expression": "input"}},
        ]
    )
    assert {"Price.$", "States", "Total.$"} <= set(asl["States"])
    assert set(path_keys(asl)) <= ENGINE_PATH_KEYS


def test_a_machine_holding_a_path_the_engine_does_not_own_is_refused():
    asl = compile_example(EXAMPLES["single"])
    asl["States"]["only"]["Parameters"]["Payload"]["user.$"] = "$$"
    with pytest.raises(ValueError, match="user"):
        check_engine_paths_only(asl)


def test_the_kind_of_a_step_comes_from_the_registry_by_type():
    assert kind_of(WorkflowDefinition(name="w", steps=EXAMPLES["wait_only"]).steps[0]).writes_logs is False
    with pytest.raises(ValueError, match="no compiler is registered for step type 'nope'"):
        kind_of(GroupStep("x", [], type="nope"))


def group_workflow():
    register_group_kind()
    steps = WorkflowDefinition(
        name="w",
        steps=[
            {"name": "first", "type": "transform", "config": {"expression": "input"}},
            {"name": "inner a", "type": "transform", "config": {"expression": "input"}, "continue_on_error": True},
            {"name": "inner b", "type": "wait", "config": {"seconds": 0}},
            {"name": "lane", "type": "transform", "config": {"expression": "input"}},
            {"name": "last", "type": "transform", "config": {"expression": "steps.grouped.output"}},
        ],
    ).steps
    return [steps[0], GroupStep("grouped", [[steps[2], steps[1]], [steps[3]]]), steps[4]]


def test_a_block_kind_plugs_in_and_compiles_its_lists_as_sub_machines():
    asl = compile_workflow(WORKFLOW_ID, USER_ID, group_workflow(), TARGET)
    states = asl["States"]
    assert [name for name in states if not name.startswith("$")] == ["first", "grouped", "last"]
    assert states["first"]["Next"] == "grouped" and states["grouped"]["Next"] == "last"
    lane_0, lane_1 = states["grouped"]["Branches"]
    assert lane_0["StartAt"] == "inner b" and list(lane_0["States"]) == ["inner b", "inner a", "$continued s1_b0_s1"]
    assert lane_0["States"]["inner b"]["Next"] == "inner a"
    inner_a = lane_0["States"]["inner a"]
    assert inner_a["ResultPath"] == "$.results.s1_b0_s1" and inner_a["End"] is True
    # continuing past an error inside a block: through a Pass that adds `"output": null` to the error result
    # (blocks read `.output` of their last step), which ends the sub-machine; the unused end state is pruned
    assert inner_a["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.results.s1_b0_s1", "Next": "$continued s1_b0_s1"}
    ]
    assert lane_0["States"]["$continued s1_b0_s1"] == {
        "Type": "Pass",
        "Result": None,
        "ResultPath": "$.results.s1_b0_s1.output",
        "End": True,
    }
    # Inside a sub-machine a failure propagates to the block (no Catch to states it cannot reach); the unused
    # end state was pruned.
    assert list(lane_1["States"]) == ["lane"] and "Catch" not in lane_1["States"]["lane"]
    assert lane_1["States"]["lane"]["Parameters"]["Payload"]["step_names"] == {"s0": "first"}
    assert states["last"]["Parameters"]["Payload"]["step_names"] == {
        "s0": "first",
        "s1": "grouped",
        "s1_b0_s0": "inner b",
        "s1_b0_s1": "inner a",
        "s1_b1_s0": "lane",
    }
    # Resume and the execution's output go by top-level step.
    assert [rule["StringEquals"] for rule in states[RESUME]["Choices"][1:]] == ["s0", "s1", "s2"]
    assert states[RECORD_SUCCESS]["Parameters"]["ExpressionAttributeValues"][":result"] == {
        "S.$": "States.JsonToString($.results.s2)"
    }


def test_a_nested_step_payload_names_its_block_and_in_a_map_its_iteration():
    def leaf(name):
        return {"name": name, "type": "transform", "config": {"expression": "input"}}

    per_item = {"name": "each", "type": "map", "config": {"items": "input.items", "steps": [leaf("in map")]}}
    fan = {
        "name": "fan",
        "type": "parallel",
        "config": {"branches": [{"name": "a", "steps": [per_item]}, {"name": "b", "steps": [leaf("in lane")]}]},
    }
    asl = compile_example([leaf("top"), fan])
    lanes = asl["States"]["fan"]["Branches"]
    in_map = lanes[0]["States"]["each"]["ItemProcessor"]["States"]["in map"]["Parameters"]["Payload"]
    in_lane = lanes[1]["States"]["in lane"]["Parameters"]["Payload"]
    top = asl["States"]["top"]["Parameters"]["Payload"]
    assert (in_map["parent_step"], in_map["iteration.$"]) == ("each", "$.index")
    assert in_lane["parent_step"] == "fan" and "iteration.$" not in in_lane
    assert "parent_step" not in top and "iteration.$" not in top  # linear machines compile as before
    check_engine_paths_only(asl, also=frozenset({"a.$", "b.$"}))  # the branch names
