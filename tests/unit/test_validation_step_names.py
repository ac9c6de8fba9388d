"""A 422's problems name the innermost step their location passes through (api.step_names)."""

from __future__ import annotations

from typing import Any

import pytest

from api.step_names import innermost_step, name_steps


def leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "input"}}


ROUTE = {
    "name": "route",
    "type": "choice",
    "config": {"branches": [{"when": {"not": {"path": "x"}}, "steps": [leaf("in")]}]},
}
DOCUMENT = {
    "name": "w",
    "steps": [
        leaf("first"),
        {"name": "fan", "type": "parallel", "config": {"branches": [{"name": "left", "steps": [ROUTE]}]}},
        {"name": "each", "type": "map", "config": {"items": "input.x", "steps": [leaf("y")]}},
        {"name": "pick", "type": "choice", "config": {"branches": [], "otherwise": [leaf("z")]}},
    ],
}
FAN = ["body", "steps", 1, "parallel", "config", "branches", 0, "steps", 0]


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (["body", "steps", 0, "transform", "config", "expression"], "first"),
        (["body", "steps", 1, "parallel", "config", "branches", 0, "name"], "fan"),  # a branch's name is no step's
        ([*FAN, "choice", "config", "branches", 0, "when", "not", "not", "comparison"], "route"),
        ([*FAN, "choice", "config", "branches", 0, "steps", 0, "transform", "config"], "in"),
        (["body", "steps", 2, "map", "config", "steps", 0, "transform", "name"], "y"),
        (["body", "steps", 3, "choice", "config", "otherwise", 0, "transform"], "z"),
        (["body", "steps", 9, "name"], None),  # out of range
        (["body", "steps"], None),  # the rules across the tree name their steps themselves
        (["body", "name"], None),
        ("not a location", None),
    ],
)
def test_the_innermost_step_of_a_location(location: Any, name: str | None) -> None:
    assert innermost_step(location, DOCUMENT) == name


def test_messages_gain_the_step_name_and_keep_their_shape() -> None:
    problems = [
        {
            "type": "value_error",
            "loc": [*FAN, "choice", "config", "branches", 0, "when", "not", "not", "comparison"],
            "msg": "Value error, unknown op 'bogus'",
            "input": {},
        },
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required"},
    ]
    named = name_steps(problems, DOCUMENT)
    assert {key: value for key, value in named[0].items() if key != "message"} == {
        **problems[0],
        "msg": "step 'route': unknown op 'bogus'",
    }
    assert {key: value for key, value in named[1].items() if key != "message"} == problems[1]
    # no document (not JSON): the messages as they were, plus the raw path
    assert [problem["msg"] for problem in name_steps(problems, None)] == [problem["msg"] for problem in problems]
    assert name_steps("odd", DOCUMENT) == "odd"
