"""Hypothesis strategies for workflow definitions whose steps nest: the shapes schemathesis rarely builds from the
document (its cut of the recursive step schema seldom reaches a block inside a block, and never a bad one).

`nested_steps()` draws step lists of leaves and `choice`/`parallel`/`map` blocks, nested a few levels, each
part valid or a little wrong: names that repeat across levels, unknown ops, ops and values that do not fit,
bad field paths, empty lists, out-of-range `max_concurrency`, a branch count out of range, a block with
`timeout_seconds`, a step of unknown type, `steps` that is not a list. `DEEP_BODIES` are the depths the models
refuse by rule (blocks 5 and 20 deep, conditions 11 and 50 deep: inside the body parser's 64 levels) and the
depths the body parser refuses (1,000 and 100,000), as raw JSON text with the rule each answer must state.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

NAMES = st.sampled_from(["a", "b", "route", "each", "fan", "Load order", " padded", "$engine", ""])
OPS = st.sampled_from(["eq", "ne", "gt", "lt", "exists", "missing", "true", "matches", "bogus"])
PATHS = st.sampled_from(
    ["input.x", "input.items", 'steps."a".output', "item.sku", "index", 'steps."open', "input..x", 'input."".x', "x"]
)
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2, 50), st.text(max_size=4), st.just([]), st.just({}))
EXISTS = {"path": "input.x", "op": "exists"}


def _comparison() -> st.SearchStrategy[Any]:
    with_value = st.fixed_dictionaries({"path": PATHS, "op": OPS, "value": JUNK})
    return st.one_of(st.fixed_dictionaries({"path": PATHS, "op": OPS}), with_value)


def conditions() -> st.SearchStrategy[Any]:
    return st.recursive(
        _comparison(),
        lambda inner: st.one_of(
            st.builds(lambda c: {"not": c}, inner),
            st.lists(inner, max_size=3).map(lambda items: {"all": items}),
            st.lists(inner, max_size=3).map(lambda items: {"any": items}),
        ),
        max_leaves=12,
    )


def _leaf() -> st.SearchStrategy[Any]:
    transform = st.fixed_dictionaries(
        {"name": NAMES, "type": st.just("transform"), "config": st.just({"expression": "input"})}
    )
    wait = st.fixed_dictionaries({"name": NAMES, "type": st.just("wait"), "config": st.just({"seconds": 1})})
    odd = st.fixed_dictionaries({"name": NAMES, "type": st.sampled_from(["nope", "map", "choice"]), "config": JUNK})
    return st.one_of(transform, transform, wait, odd, JUNK)


def _step_list(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, min_size=1, max_size=3), st.lists(inner, max_size=1), JUNK)


def _blocks(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    steps = _step_list(inner)
    branch = st.fixed_dictionaries({"when": conditions(), "steps": steps})
    choice_config = st.fixed_dictionaries({"branches": st.lists(branch, max_size=3)}, optional={"otherwise": steps})
    parallel_branch = st.fixed_dictionaries({"name": st.sampled_from(["left", "right", "left", " x"]), "steps": steps})
    parallel_config = st.fixed_dictionaries({"branches": st.lists(parallel_branch, max_size=12)})
    map_config = st.fixed_dictionaries(
        {"items": PATHS | JUNK, "steps": steps}, optional={"max_concurrency": st.integers(-1, 45)}
    )
    block = st.one_of(
        st.fixed_dictionaries({"name": NAMES, "type": st.just("choice"), "config": choice_config}),
        st.fixed_dictionaries({"name": NAMES, "type": st.just("parallel"), "config": parallel_config}),
        st.fixed_dictionaries({"name": NAMES, "type": st.just("map"), "config": map_config}),
    )
    with_timeout = st.builds(lambda step, seconds: {**step, "timeout_seconds": seconds}, block, st.integers(1, 9))
    return st.one_of(block, block, with_timeout)


def _valid_blocks(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    steps = st.lists(inner, min_size=1, max_size=2)
    good = st.sampled_from([EXISTS, {"path": "input.n", "op": "gt", "value": 2}, {"not": {"all": [EXISTS]}}])
    choice = st.builds(
        lambda branches, otherwise: {"type": "choice", "config": {"branches": branches, **otherwise}},
        st.lists(st.fixed_dictionaries({"when": good, "steps": steps}), min_size=1, max_size=2),
        st.one_of(st.just({}), steps.map(lambda s: {"otherwise": s})),
    )
    parallel = st.lists(steps, min_size=2, max_size=3).map(
        lambda lists: {
            "type": "parallel",
            "config": {"branches": [{"name": f"b{i}", "steps": s} for i, s in enumerate(lists)]},
        }
    )
    map_ = st.builds(
        lambda s, concurrency: {
            "type": "map",
            "config": {"items": "input.items", "steps": s, "max_concurrency": concurrency},
        },
        steps,
        st.integers(1, 40),
    )
    return st.one_of(choice, parallel, map_)


def _named(steps: list[Any]) -> list[Any]:
    """`steps` with a unique name on each step, outermost first (iteratively)."""
    counter, pending = 0, [steps]
    while pending:
        for step in pending.pop():
            step["name"] = f"step {counter}"
            counter += 1
            config = step.get("config", {})
            for holder in [config, *config.get("branches", [])]:
                pending.extend(holder[key] for key in ("steps", "otherwise") if key in holder)
    return steps


def valid_nested_steps() -> st.SearchStrategy[list[Any]]:
    """Steps the API accepts: unique names, blocks nested up to about 3 deep (an accepted one compiles and
    deploys its state machine; nested maps past the history budget are a 422 that says so)."""
    leaf = st.just({"type": "transform", "config": {"expression": "input"}})
    step = st.recursive(leaf, _valid_blocks, max_leaves=8)
    steps = st.builds(lambda block, rest: [block, *rest], _valid_blocks(step), st.lists(step, max_size=2))
    return steps.map(lambda drawn: _named(json.loads(json.dumps(drawn))))


def nested_steps() -> st.SearchStrategy[list[Any]]:
    """A workflow's `steps`, a block first: leaves and blocks nested up to a few levels, valid or a little wrong."""
    step = st.recursive(_leaf(), _blocks, max_leaves=16)
    hostile = st.builds(lambda block, rest: [block, *rest], _blocks(step), st.lists(step, max_size=3))
    return st.one_of(hostile, valid_nested_steps())


def _definition(steps: Any) -> str:
    return json.dumps({"name": "nested", "steps": steps})


def _nots(depth: int) -> str:
    return '{"not": ' * depth + json.dumps(EXISTS) + "}" * depth


def _choice_on(condition: str) -> str:
    step = {
        "name": "route",
        "type": "choice",
        "config": {
            "branches": [
                {"when": "@", "steps": [{"name": "in", "type": "transform", "config": {"expression": "input"}}]}
            ]
        },
    }
    return _definition([step]).replace('"@"', condition)


def _maps(depth: int) -> str:
    opening = '{"name": "m@", "type": "map", "config": {"items": "input.x", "steps": ['
    inner = json.dumps({"name": "deepest", "type": "transform", "config": {"expression": "input"}})
    text = "".join(opening.replace("@", str(level)) for level in range(depth)) + inner + "]}}" * depth
    return _definition(["@"]).replace('"@"', text)


TOO_DEEP_FOR_THE_PARSER = "JSON nested more than 64 levels deep"
DEEP_BODIES: dict[str, tuple[str, str]] = {
    # case: (raw body, the rule the 422 states)
    "blocks 5 deep": (_maps(5), "step 'deepest': blocks nest at most 4 deep"),
    "blocks 20 deep": (_maps(20), "step 'm5': blocks nest at most 4 deep"),
    "blocks 1,000 deep": (_maps(1_000), TOO_DEEP_FOR_THE_PARSER),
    "condition 11 deep": (_choice_on(_nots(11)), "step 'route': conditions nest at most 10 deep"),
    "condition 50 deep": (_choice_on(_nots(50)), "step 'route': conditions nest at most 10 deep"),
    "condition 100,000 deep": (_choice_on(_nots(100_000)), TOO_DEEP_FOR_THE_PARSER),
}
