"""The compiler: deterministic ASL (golden files), one state per step, the transition budget."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workflow_engine.compiler import (
    FAILED,
    MARK_RUNNING,
    RECORD_SUCCESS,
    RESUME,
    CompileTarget,
    compile_workflow,
    definition_json,
)
from workflow_engine.models.workflow import WorkflowDefinition

GOLDEN = Path(__file__).parent / "golden"
TARGET = CompileTarget(
    function_arns={t: f"arn:aws:lambda:us-east-1:123456789012:function:{t}" for t in ("transform", "http", "ai")},
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
