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
    # Only 'check' can fail (on "two"): iterations run at once, so a second failing step would race it.
    failing = [leaf("check", "abs(item)"), leaf("double", "item")]
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


def lambda_free_map(name: str, **options: Any) -> dict[str, Any]:
    """A map whose iterations run no Lambda: a choice whose one branch is never taken (outputs a null branch)."""
    never = {
        "name": f"{name} never",
        "type": "choice",
        "config": {
            "branches": [{"when": {"path": "item", "op": "lt", "value": 0}, "steps": [leaf(f"{name} x", "item")]}]
        },
    }
    return per_item(name, [never], **options)


def test_more_than_1000_items_fail_the_map_step_with_an_error_that_says_so(api):
    workflow = create(api, [lambda_free_map("each"), leaf("after", "steps.each.output")], name="too many")
    _, final = run(api, workflow, {"items": list(range(1_001))})
    assert final["status"] == "failed", final
    assert final["error_message"] == "Map.TooManyItems: map 'each' got 1001 items; a map takes at most 1,000"


def test_with_continue_on_error_the_too_many_error_is_the_map_steps_result(api):
    workflow = create(
        api, [lambda_free_map("each", continue_on_error=True), leaf("after", "steps.each")], name="tolerant"
    )
    _, final = run(api, workflow, {"items": list(range(1_204))})
    assert final["status"] == "completed", final
    assert final["output_data"] == {"output": None, "error": "map 'each' got 1204 items; a map takes at most 1,000"}


def test_1000_items_run(api):
    workflow = create(api, [lambda_free_map("each")], name="a thousand")
    _, final = run(api, workflow, {"items": list(range(1_000))}, timeout=120)
    assert final["status"] == "completed", final
    assert final["output_data"] == [{"branch": None, "output": None}] * 1_000


def test_items_that_are_not_a_list_fail_the_map_step_clearly(api):
    workflow = create(api, [per_item("each", [leaf("copy", "item")])], name="not a list")
    for items in ("abc", 3, None):
        _, final = run(api, workflow, {"items": items})
        assert final["status"] == "failed", final
        assert final["error_message"] == "Map.ItemsNotAList: map 'each': `input.items` is not a list", items
    _, final = run(api, workflow, {"other": 1})
    assert final["error_message"] == "Map.ItemsNotAList: map 'each': `input.items` is not a list"


def test_a_too_long_map_in_a_branch_fails_it_and_the_enclosing_block_catches_it(api):
    """Inside a sub-machine the guard ends in a Fail state; the parallel's continue_on_error catches it. The
    map's name holds every character an intrinsic string literal reserves: it stays text."""
    inner = per_item("in'{}\\ner", [leaf("copy", "item")])
    branches = [{"name": "a", "steps": [inner]}, {"name": "b", "steps": [leaf("other", "input")]}]
    outer = {"name": "outer", "type": "parallel", "config": {"branches": branches}, "continue_on_error": True}
    workflow = create(api, [outer, leaf("after", "steps.outer")], name="nested")
    _, final = run(api, workflow, {"items": list(range(1_001))})
    assert final["status"] == "completed", final
    assert final["output_data"] == {
        "output": None,
        "error": "map 'in'{}\\ner' got 1001 items; a map takes at most 1,000",
    }
