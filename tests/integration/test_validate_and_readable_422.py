"""POST /api/workflows/validate (create's checks, nothing saved), `input_example` kept with a workflow, and every
422 item's readable `message` (api.problem_messages), through the workflow API's handler on real bad bodies."""

from __future__ import annotations

from typing import Any

import boto3
import pytest


def leaf(name: str, **config: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": config or {"expression": "input"}}


VALID = {
    "name": "Checked",
    "input_example": {"items": [1, 2]},
    "steps": [
        leaf("Load"),
        {
            "name": "Each",
            "type": "map",
            "config": {"items": "input.items", "steps": [leaf("Double", expression="item")]},
        },
        {"name": "Pause", "type": "wait", "config": {"seconds": 1}},
    ],
}
NESTED_BAD = {
    "name": "Bad",
    "steps": [
        {"name": "One", "type": "transform", "config": {}},
        {
            "name": "Fan",
            "type": "parallel",
            "config": {
                "branches": [
                    {
                        "name": "left",
                        "steps": [
                            {
                                "name": "Each",
                                "type": "map",
                                "config": {
                                    "items": "input.x",
                                    "steps": [{"name": "Deep", "type": "wait", "config": {"seconds": -1}}],
                                },
                            }
                        ],
                    },
                    {"name": "right", "steps": [leaf("Right")]},
                ]
            },
        },
    ],
}
EXPECTED_MESSAGES = [
    'steps[0] "One".config.expression: Field required',
    'steps[1] "Fan" > branches[0] "left" > steps[0] "Each" > steps[0] "Deep".config.seconds: '
    "Input should be greater than or equal to 0",
]


def machine_count(resources: Any) -> int:
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    return len(sfn.list_state_machines()["stateMachines"])


def test_validate_answers_a_summary_and_saves_nothing(api, resources) -> None:
    machines = machine_count(resources)
    status, answer, _ = api.call("POST", "/api/workflows/validate", VALID)
    assert status == 200, answer
    assert answer == {
        "valid": True,
        "name": "Checked",
        "step_count": 4,
        "top_level_steps": 3,
        "step_types": ["map", "transform", "wait"],
        "has_input_example": True,
    }
    assert api.call("GET", "/api/workflows")[1] == []
    assert machine_count(resources) == machines


@pytest.mark.parametrize("method_path", [("POST", "/api/workflows/validate"), ("POST", "/api/workflows")])
def test_a_nested_bad_body_is_a_422_whose_items_read_as_step_paths(api, method_path) -> None:
    status, answer, _ = api.call(*method_path, NESTED_BAD)
    assert status == 422, answer
    assert answer["message"] == "Request validation failed"
    assert [problem["message"] for problem in answer["detail"]] == EXPECTED_MESSAGES
    first = answer["detail"][0]
    assert first["loc"] == ["body", "steps", 0, "transform", "config", "expression"]  # the raw keys stay
    assert first["type"] == "missing" and first["msg"] == "step 'One': Field required"
    assert api.call("GET", "/api/workflows")[1] == []


def test_validate_makes_create_s_child_workflow_and_compiler_checks(api, resources) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    child = {"name": "Child", "type": "workflow", "config": {"workflow_id": missing}}
    status, answer, _ = api.call("POST", "/api/workflows/validate", {"name": "P", "steps": [child]})
    assert status == 422 and "no workflow" in answer["message"] and '"Child"' in answer["message"], answer
    status, created, _ = api.call("POST", "/api/workflows", {"name": "Kid", "steps": [leaf("only")]})
    assert status == 201
    child["config"]["workflow_id"] = created["id"]
    status, answer, _ = api.call("POST", "/api/workflows/validate", {"name": "P", "steps": [child]})
    assert (status, answer["step_types"]) == (200, ["workflow"]), answer
    assert [workflow["name"] for workflow in api.call("GET", "/api/workflows")[1]] == ["Kid"]


def test_input_example_is_stored_returned_replaced_and_size_limited(api) -> None:
    status, created, _ = api.call("POST", "/api/workflows", VALID)
    assert status == 201 and created["input_example"] == {"items": [1, 2]}
    assert api.call("GET", f"/api/workflows/{created['id']}")[1]["input_example"] == {"items": [1, 2]}
    listed = api.call("GET", "/api/workflows")[1]
    assert listed[0]["input_example"] == {"items": [1, 2]}
    replaced = {**VALID, "input_example": {"items": [0.5, "x"], "deep": {"a": [None, True]}}}
    status, updated, _ = api.call("PUT", f"/api/workflows/{created['id']}", replaced)
    assert status == 200 and updated["input_example"] == replaced["input_example"]
    without = {key: value for key, value in VALID.items() if key != "input_example"}
    assert api.call("PUT", f"/api/workflows/{created['id']}", without)[1]["input_example"] is None
    status, answer, _ = api.call("POST", "/api/workflows/validate", {**VALID, "input_example": {"x": "y" * 70_000}})
    assert status == 422
    assert answer["detail"][0]["message"].startswith("input_example: input_example is ")
    status, answer, _ = api.call("POST", "/api/workflows", {**VALID, "input_example": [1, 2]})
    assert status == 422 and answer["detail"][0]["message"] == "input_example: Input should be a valid dictionary"
