"""Every 422 item's `message`: the field path in the user's terms, then the problem (api.problem_messages)."""

from __future__ import annotations

from typing import Any

import pytest

from api.problem_messages import field_path, problem_message
from api.step_names import name_steps

DEFINITION = {
    "name": "Orders",
    "steps": [
        {"name": "Load order", "type": "transform", "config": {}},
        {"name": "Pause", "type": "wait", "config": {"seconds": -1}},
    ],
}


def test_field_paths_drop_the_body_and_the_union_tag_and_name_the_step() -> None:
    location = ["body", "steps", 0, "transform", "config", "expression"]
    assert field_path(location) == "steps[0].transform.config.expression"  # without the document: no guessing
    assert field_path(location, DEFINITION) == 'steps[0] "Load order".config.expression'
    assert field_path(["query", "limit"]) == "query parameter limit"
    assert field_path(["body"]) == "(the body)"
    assert field_path(["body", "steps", 7, "name"], DEFINITION) == "steps[7].name"  # out of range: index only
    assert field_path("not a location") == "(the body)"


def _leaf(name: str, **config: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": config}


NESTED = {
    "name": "Orders",
    "steps": [
        _leaf("load", expression="input"),
        {
            "name": "route",
            "type": "choice",
            "config": {
                "branches": [
                    {
                        "when": {"path": "input.total", "op": "zz"},
                        "steps": [_leaf("ok", expression="input"), _leaf("")],
                    },
                    {"when": {"any": [{"path": "input.a", "op": "eq", "value": 1}]}, "steps": [_leaf("any")]},
                ],
                "otherwise": [{"name": "Pause", "type": "wait", "config": {"seconds": -1}}],
            },
        },
        {
            "name": "each",
            "type": "map",
            "config": {"items": "input.items", "max_concurrency": 99, "steps": [_leaf("y")]},
        },
        {"name": "fan", "type": "parallel", "config": {"branches": [{"name": "left", "steps": []}]}},
    ],
}


@pytest.mark.parametrize(
    ("location", "path"),
    [  # the locations are the API's, for these mistakes (read from a 422 of the local stack)
        (
            ["steps", 1, "choice", "config", "branches", 0, "steps", 1, "transform", "name"],
            'steps[1] "route" > branches[0] > steps[1].name',
        ),
        (["steps", 1, "choice", "config", "branches", 0, "when", "comparison"], 'steps[1] "route" > branches[0].when'),
        (
            ["steps", 1, "choice", "config", "branches", 1, "when", "any", "any", 0, "comparison", "value"],
            'steps[1] "route" > branches[1].when.any[0].value',
        ),
        (
            ["steps", 1, "choice", "config", "otherwise", 0, "wait", "config", "seconds"],
            'steps[1] "route" > otherwise[0] "Pause".config.seconds',
        ),
        (["steps", 2, "map", "config", "max_concurrency"], 'steps[2] "each".config.max_concurrency'),
        (
            ["steps", 2, "map", "config", "steps", 0, "transform", "config", "expression"],
            'steps[2] "each" > steps[0] "y".config.expression',
        ),
        (["steps", 3, "parallel", "config", "branches", 0, "steps"], 'steps[3] "fan" > branches[0] "left" > steps'),
    ],
)
def test_a_nested_steps_field_path_reads_as_a_step_path(location: list[Any], path: str) -> None:
    assert field_path(["body", *location], NESTED) == path


def test_a_message_is_the_path_and_the_problem_without_pydantic_s_prefix() -> None:
    problem = {"loc": ["body", "steps", 1, "choice", "config", "branches", 0, "when", "comparison"], "msg": ""}
    problem["msg"] = "Value error, unknown op 'zz': one of eq, ne"
    assert problem_message(problem, NESTED) == "steps[1] \"route\" > branches[0].when: unknown op 'zz': one of eq, ne"
    assert problem_message({"loc": ["body", "name"], "type": "missing"}, NESTED) == "name: missing"


def test_name_steps_adds_the_message_and_keeps_every_key() -> None:
    problems = [
        {"type": "missing", "loc": ["body", "steps", 0, "transform", "config", "expression"], "msg": "Field required"},
        {"type": "value_error", "loc": ["body", "steps"], "msg": "Value error, step 'y': blocks nest at most 4 deep"},
    ]
    named = name_steps(problems, DEFINITION)
    assert named[0] == {
        **problems[0],
        "msg": "step 'Load order': Field required",
        "message": 'steps[0] "Load order".config.expression: Field required',
    }
    assert named[1] == {**problems[1], "message": "steps: step 'y': blocks nest at most 4 deep"}
