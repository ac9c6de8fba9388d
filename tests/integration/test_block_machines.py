"""Block steps executing in moto's interpreter through the API: a choice inside a map inside a parallel, and a
failure inside a map iteration, with continue_on_error on the block and without it."""

from __future__ import annotations

from typing import Any

from tests.integration.test_engine_executions import create, run


def leaf(name: str, expression: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": expression}, **options}


def per_item(name: str, steps: list[Any], **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "map", "config": {"items": "input.items", "steps": steps}, **options}


def test_a_choice_inside_a_map_inside_a_parallel(api):
    route = {
        "name": "route",
        "type": "choice",
        "config": {
            "branches": [
                {"when": {"path": "item.n", "op": "gt", "value": 1}, "steps": [leaf("big", "{big: item.n, at: index}")]}
            ],
            "otherwise": [leaf("small", "{small: item.n}")],
        },
    }
    workflow = create(
        api,
        [
            leaf("first", "{kind: 'order'}"),
            {
                "name": "fan",
                "type": "parallel",
                "config": {
                    "branches": [
                        {"name": "items", "steps": [per_item("each", [route])]},
                        {"name": "kind", "steps": [leaf("seen", "steps.first.output.kind")]},
                    ]
                },
            },
            leaf("last", "steps.fan.output"),
        ],
    )
    execution_id, final = run(api, workflow, {"items": [{"n": 1}, {"n": 5}, {"x": 0}]})
    assert final["status"] == "completed", final
    assert final["output_data"] == {
        "items": [
            {"branch": "otherwise", "output": {"small": 1}},
            {"branch": 0, "output": {"big": 5, "at": 1}},
            {"branch": "otherwise", "output": {"small": None}},  # a missing field makes the condition false
        ],
        "kind": "order",
    }


def test_a_failure_inside_an_iteration_fails_the_map_or_continues(api):
    failing = [leaf("check", "abs(item)"), leaf("double", "multiply(item, `2`)")]
    strict = create(api, [per_item("each", failing), leaf("after", "steps.each.output")], name="strict")
    _, final = run(api, strict, {"items": [1, "two", 3]})
    assert final["status"] == "failed", final
    assert "check" in final["error_message"]

    tolerant_steps = [leaf("check", "abs(item)", continue_on_error=True), leaf("double", "item")]
    tolerant = create(api, [per_item("each", tolerant_steps), leaf("after", "steps.each.output")], name="tolerant")
    _, final = run(api, tolerant, {"items": [1, "two", 3]})
    assert final["status"] == "completed", final
    assert final["output_data"] == [1, "two", 3]

    whole = create(
        api,
        [per_item("each", failing, continue_on_error=True), leaf("after", "steps.each")],
        name="whole block",
    )
    _, final = run(api, whole, {"items": [1, "two", 3]})
    assert final["status"] == "completed", final
    assert final["output_data"]["output"] is None and "check" in final["output_data"]["error"]


def test_an_iteration_whose_last_step_continues_on_error_outputs_null(api):
    """The map reads its last step's `output`; an error result has none (States.Runtime before the fix)."""
    steps = [leaf("copy", "item"), leaf("check", "abs(item)", continue_on_error=True)]
    workflow = create(api, [per_item("each", steps)], name="last continues")
    _, final = run(api, workflow, {"items": [1, "two", -3]})
    assert final["status"] == "completed", final
    assert final["output_data"] == [1, None, 3]
