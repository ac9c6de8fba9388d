"""The block steps' models: configs, conditions, field paths and the rules across the whole tree (422s name
the step and the rule)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from workflow_engine.models.field_paths import FieldPath, parse_field_path
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.workflow import WorkflowDefinition


def leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "input"}}


def choice(name: str, when: Any, steps: list[Any], otherwise: list[Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"branches": [{"when": when, "steps": steps}]}
    if otherwise is not None:
        config["otherwise"] = otherwise
    return {"name": name, "type": "choice", "config": config}


def parallel(name: str, **branches: list[Any]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "parallel",
        "config": {"branches": [{"name": k, "steps": v} for k, v in branches.items()]},
    }


def map_(name: str, steps: list[Any], items: str = "input.items", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "map", "config": {"items": items, "steps": steps, **extra}}


def define(*steps: Any) -> WorkflowDefinition:
    return WorkflowDefinition.model_validate({"name": "w", "steps": list(steps)})


def refused(*steps: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        define(*steps)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("input.order.total", FieldPath("input", ("order", "total"))),
        ('steps."Check stock".output.ok', FieldPath("steps", ("Check stock", "output", "ok"))),
        ("input.items[0]", FieldPath("input", ("items", 0))),
        ("input.m[2][3].x", FieldPath("input", ("m", 2, 3, "x"))),
        ('steps."say \\"hi\\"".error', FieldPath("steps", ('say "hi"', "error"))),
        ("item.sku", FieldPath("item", ("sku",))),
        ("index", FieldPath("index", ())),
        ('input."a b"', FieldPath("input", ("a b",))),
    ],
)
def test_field_paths_parse(text: str, expected: FieldPath) -> None:
    assert parse_field_path(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1 to"),
        ("output.x", "starts with one of input, steps, item, index"),
        ("input..x", "expected a name at character 7"),
        ("input.x[", "expected '.' or '['"),
        ('steps."open', "unclosed quote"),
        ("steps.x", 'steps."<step name>".output'),
        ('steps."x".result', 'steps."<step name>".output'),
        ("index.x", "nothing follows it"),
        ('input."it\'s"', "may not hold quotes"),
    ],
)
def test_bad_field_paths_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_field_path(text)
    assert message in str(caught.value)


def test_blocks_nest_and_expose_their_lists_to_the_step_tree() -> None:
    definition = define(
        leaf("first"),
        parallel(
            "fan", a=[map_("each", [choice("route", {"path": "item.ok", "op": "true"}, [leaf("yes")])])], b=[leaf("b1")]
        ),
    )
    keys = [node.key for node in StepTree(definition.steps).walk()]
    assert keys == ["s0", "s1", "s1_b0_s0", "s1_b0_s0_b0_s0", "s1_b0_s0_b0_s0_b0_s0", "s1_b1_s0"]
    assert definition.steps[1].config.branches[0].name == "a"


def test_a_stored_definition_validates_again() -> None:
    definition = define(
        leaf("first"),
        choice(
            "route",
            {"not": {"any": [{"path": "input.x", "op": "exists"}, {"path": "input.y", "op": "eq", "value": 1}]}},
            [leaf("a")],
            [leaf("b")],
        ),
    )
    dumped = definition.model_dump(mode="json")
    assert dumped["steps"][1]["config"]["branches"][0]["when"]["not"]["any"][0]["op"] == "exists"
    assert WorkflowDefinition.model_validate(dumped) == definition


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([choice("c", {"path": "input.x", "op": "exists"}, [])], "at least 1 item"),
        ([choice("c", {"path": "input.x", "op": "sort of"}, [leaf("a")])], "unknown op 'sort of'"),
        ([choice("c", {"path": "inptu.x", "op": "exists"}, [leaf("a")])], "starts with one of"),
        ([choice("c", {"path": "input.x", "op": "eq"}, [leaf("a")])], "op 'eq' needs a value"),
        ([choice("c", {"path": "input.x", "op": "exists", "value": 1}, [leaf("a")])], "takes no value"),
        ([choice("c", {"path": "input.x", "op": "gt", "value": True}, [leaf("a")])], "not booleans"),
        ([choice("c", {"path": "input.x", "op": "matches", "value": 3}, [leaf("a")])], "takes a string pattern"),
        ([choice("c", {"all": []}, [leaf("a")])], "at least 1 item"),
        ([parallel("p", a=[leaf("a")])], "at least 2 items"),
        (
            [
                {
                    "name": "p",
                    "type": "parallel",
                    "config": {"branches": [{"name": "a", "steps": [leaf("x")]}, {"name": "a", "steps": [leaf("y")]}]},
                }
            ],
            "'a' appears twice",
        ),
        ([parallel("p", **{"a.$": [leaf("x")], "b": [leaf("y")]})], "a branch name is"),
        ([map_("m", [leaf("x")], max_concurrency=41)], "less than or equal to 40"),
        ([map_("m", [leaf("x")], max_concurrency=0)], "greater than or equal to 1"),
        ([map_("m", [leaf("x")], items="index")], "`index` is a number"),
        ([map_("m", [leaf("x")], items="input.")], "expected a name"),
        ([{**map_("m", [leaf("x")]), "timeout_seconds": 5}], "a map step takes no timeout_seconds"),
    ],
)
def test_bad_blocks_are_refused_with_the_rule(steps: list[Any], message: str) -> None:
    assert message in refused(*steps)


def test_names_are_unique_across_the_whole_tree() -> None:
    assert "'x' appears twice" in refused(leaf("x"), map_("m", [leaf("x")]))


def test_at_most_100_steps_in_all() -> None:
    def lists(size: int) -> dict[str, list[Any]]:
        return {f"b{i}": [leaf(f"s{i}_{j}") for j in range(size)] for i in range(10)}

    define(parallel("p", **lists(9)), *(leaf(f"t{i}") for i in range(9)))  # 100 steps
    assert "at most 100 steps in all, nested ones included (101)" in refused(parallel("p", **lists(10)))


def test_blocks_nest_at_most_4_deep() -> None:
    def nested(depth: int) -> dict[str, Any]:  # choices: nested maps would pass the history budget
        inner = leaf("deepest")
        for level in range(depth):
            inner = choice(f"level {level}", {"path": "input.x", "op": "exists"}, [inner])
        return inner

    define(nested(4))
    assert "step 'deepest': blocks nest at most 4 deep" in refused(nested(5))


def test_a_condition_reads_only_steps_that_ran_before_it() -> None:
    define(leaf("a"), choice("c", {"path": 'steps."a".output.ok', "op": "true"}, [leaf("b")]))
    later = refused(choice("c", {"path": 'steps."b".output', "op": "exists"}, [leaf("a")]), leaf("b"))
    assert "step 'c': path 'steps.\"b\".output' reads step 'b', which has not run before it" in later
    inside_map = refused(map_("m", [leaf("x")]), choice("c", {"path": 'steps."x".output', "op": "exists"}, [leaf("a")]))
    assert "reads step 'x', which has not run before it" in inside_map
    inside_parallel = refused(
        parallel("p", a=[leaf("x")], b=[leaf("y")]),
        choice("c", {"path": 'steps."y".output', "op": "exists"}, [leaf("a")]),
    )
    assert "reads step 'y'" in inside_parallel
    define(map_("m", [leaf("x"), choice("c", {"path": 'steps."x".output', "op": "exists"}, [leaf("a")])]))


def test_item_and_index_only_inside_a_map() -> None:
    define(map_("m", [choice("c", {"path": "index", "op": "gt", "value": 2}, [leaf("a")])]))
    assert "step 'c': path 'item.x' reads `item`, which only steps in a map see" in refused(
        choice("c", {"path": "item.x", "op": "exists"}, [leaf("a")])
    )


def nots(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"path": "input.x", "op": "exists"}
    for _ in range(depth):
        condition = {"not": condition}
    return condition


def maps(depth: int) -> dict[str, Any]:
    inner = leaf("deepest")
    for level in range(depth):
        inner = map_(f"level {level}", [inner])
    return inner


def test_conditions_nest_at_most_10_deep() -> None:
    define(choice("c", nots(10), [leaf("a")]))
    define(choice("c", {"all": [nots(9), {"any": [nots(8)]}]}, [leaf("a")]))
    assert "step 'c': conditions nest at most 10 deep" in refused(choice("c", nots(11), [leaf("a")]))
    wide = {"any": [nots(1), {"all": [nots(10)]}]}
    assert "step 'inner': conditions nest at most 10 deep" in refused(
        parallel("p", a=[choice("inner", wide, [leaf("a")])], b=[leaf("b")])
    )


@pytest.mark.parametrize("depth", [300, 3_000, 100_000])
def test_deep_conditions_are_refused_before_pydantic_recurses(depth: int) -> None:
    message = refused(choice("c", nots(depth), [leaf("a")]))
    assert "step 'c': conditions nest at most 10 deep" in message
    assert "Recursion error" not in message


@pytest.mark.parametrize(("depth", "culprit"), [(5, "deepest"), (1_000, "level 994"), (100_000, "level 99994")])
def test_deep_blocks_are_refused_before_pydantic_recurses(depth: int, culprit: str) -> None:
    message = refused(maps(depth))
    assert f"step {culprit!r}: blocks nest at most 4 deep" in message  # the first step past the limit
    assert "Recursion error" not in message
