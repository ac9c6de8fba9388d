"""Hostile nested definitions through the workflow API's handler, on create (POST) and replace (PUT): each is a
422, never a 5xx, whose message names the innermost step and the rule it breaks (api.step_names names the step
of a problem pydantic locates by position; models.nesting_limits checks depth before pydantic recurses).

Bodies nested deeper than the body parser allows (api.request_body: 64 levels) are refused before any model
sees them, with that rule; the same shapes as deep as the parser lets through reach the models' own limits.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from api.request_body import MAX_JSON_DEPTH


def leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "input"}}


EXISTS = {"path": "input.x", "op": "exists"}


def choice(name: str, when: Any = EXISTS, steps: Any = None, **config: Any) -> dict[str, Any]:
    branch = {"when": when, "steps": [leaf(f"{name} inner")] if steps is None else steps}
    return {"name": name, "type": "choice", "config": {"branches": [branch], **config}}


def map_(name: str, steps: Any = None, items: Any = "input.items", **config: Any) -> dict[str, Any]:
    inner = [leaf(f"{name} inner")] if steps is None else steps
    return {"name": name, "type": "map", "config": {"items": items, "steps": inner, **config}}


def parallel(name: str, *branches: tuple[str, list[Any]]) -> dict[str, Any]:
    return {"name": name, "type": "parallel", "config": {"branches": [{"name": n, "steps": s} for n, s in branches]}}


def nested(step: dict[str, Any]) -> list[Any]:
    """`step` two blocks down (a map in a parallel), after a top-level step: its errors must name it, not them."""
    return [leaf("first"), parallel("fan", ("left", [map_("each", [step])]), ("right", [leaf("right step")]))]


def nots(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = EXISTS
    for _ in range(depth):
        condition = {"not": condition}
    return condition


def choices(depth: int) -> dict[str, Any]:
    inner = leaf("deepest")
    for level in range(depth):
        inner = choice(f"level {level}", steps=[inner])
    return inner


def maps(depth: int) -> dict[str, Any]:
    inner = leaf("deepest")
    for level in range(depth):
        inner = map_(f"level {level}", steps=[inner])
    return inner


def branches(count: int) -> list[tuple[str, list[Any]]]:
    return [(f"b{i}", [leaf(f"in b{i}")]) for i in range(count)]


def body(steps: list[Any]) -> str:
    return json.dumps({"name": "hostile", "steps": steps})


def deep_text(opening: str, closing: str, depth: int, inner: str) -> str:
    """`opening * depth + inner + closing * depth`: JSON too deep for json.dumps (which recurses)."""
    return opening * depth + inner + closing * depth


def condition_text(depth: int) -> str:
    step = body(nested(choice("route", when="@")))
    return step.replace('"@"', deep_text('{"not": ', "}", depth, json.dumps(EXISTS)))


def blocks_text(depth: int) -> str:
    inner = deep_text('{"name": "m", "type": "map", "config": {"items": "input.x", "steps": [', "]}}", depth, "")
    return body([{"@": 1}]).replace('{"@": 1}', inner.replace("[]", json.dumps([leaf("deepest")])))


def config_text(depth: int) -> str:
    http = {"name": "call", "type": "http", "config": {"url": "https://example.com/", "body": "@"}}
    return body(nested(http)).replace('"@"', deep_text("[", "]", depth, ""))


HOSTILE: dict[str, tuple[str, str]] = {
    # case: (body, what the 422's messages say)
    "empty branch": (body(nested(choice("route", steps=[]))), "step 'route': List should have at least 1 item"),
    "empty otherwise": (body(nested(choice("route", otherwise=[]))), "step 'route': List should have at least 1 item"),
    "unknown op": (
        body(nested(choice("route", when={"path": "input.x", "op": "bogus"}))),
        "step 'route': unknown op 'bogus'",
    ),
    "op takes no value": (
        body(nested(choice("route", when={"path": "input.x", "op": "exists", "value": 1}))),
        "step 'route': op 'exists' takes no value",
    ),
    "op needs a value": (
        body(nested(choice("route", when={"path": "input.x", "op": "gt"}))),
        "step 'route': op 'gt' needs a value",
    ),
    "order op on a boolean": (
        body(nested(choice("route", when={"all": [{"path": "input.x", "op": "lt", "value": True}]}))),
        "step 'route': op 'lt' compares numbers or strings, not booleans",
    ),
    "path with an unclosed quote": (
        body(nested(choice("route", when={"path": 'steps."first.output', "op": "exists"}))),
        "step 'route': unclosed quote in field path",
    ),
    "path with an empty name": (
        body(nested(choice("route", when={"path": 'input."".x', "op": "exists"}))),
        "step 'route': empty name in field path",
    ),
    "path with ..": (
        body(nested(choice("route", when={"not": {"path": "input..x", "op": "exists"}}))),
        "step 'route': expected a name at character 7 of field path 'input..x'",
    ),
    "duplicate names across levels": (
        body(nested(leaf("first"))),
        "step names must be unique across the workflow: 'first' appears twice",
    ),
    "blocks 5 deep": (body([choices(5)]), "step 'deepest': blocks nest at most 4 deep"),
    "blocks as deep as the body parser allows": (
        body([maps((MAX_JSON_DEPTH - 4) // 3)]),  # each map is 3 levels (step, config, steps): 20 maps
        "step 'level 14': blocks nest at most 4 deep",  # the first step past the limit
    ),
    "blocks 1,000 deep": (blocks_text(1_000), f"JSON nested more than {MAX_JSON_DEPTH} levels deep"),
    "condition 11 deep": (
        body(nested(choice("route", when=nots(11)))),
        "step 'route': conditions nest at most 10 deep",
    ),
    "condition as deep as the body parser allows": (
        condition_text(MAX_JSON_DEPTH - 15),  # the choice's `when` sits 15 levels down
        "step 'route': conditions nest at most 10 deep",
    ),
    "condition 100,000 deep": (condition_text(100_000), f"JSON nested more than {MAX_JSON_DEPTH} levels deep"),
    "config 1,000 deep": (config_text(1_000), f"JSON nested more than {MAX_JSON_DEPTH} levels deep"),
    "all of nothing": (
        body(nested(choice("route", when={"all": []}))),
        "step 'route': List should have at least 1 item",
    ),
    "max_concurrency 0": (
        body(nested(map_("inner map", max_concurrency=0))),
        "step 'inner map': Input should be greater than or equal to 1",
    ),
    "max_concurrency 41": (
        body(nested(map_("inner map", max_concurrency=41))),
        "step 'inner map': Input should be less than or equal to 40",
    ),
    "parallel of 1 branch": (
        body(nested(parallel("split", *branches(1)))),
        "step 'split': List should have at least 2 items",
    ),
    "parallel of 11 branches": (
        body(nested(parallel("split", *branches(11)))),
        "step 'split': List should have at most 10 items",
    ),
    "duplicate branch names": (
        body(nested(parallel("split", ("same", [leaf("one")]), ("same", [leaf("two")])))),
        "step 'split': branch names must be unique: 'same' appears twice",
    ),
    "map items not a field path": (
        body(nested(map_("inner map", items="the items"))),
        "step 'inner map': expected '.' or '[' at character 4 of field path 'the items'",
    ),
    "map items not a string": (
        body(nested(map_("inner map", items=5))),
        "step 'inner map': Input should be a valid string",
    ),
    "101 steps across blocks": (
        body([parallel("p", *[(f"b{i}", [leaf(f"s{i}_{j}") for j in range(10)]) for i in range(10)])]),
        "a workflow holds at most 100 steps in all, nested ones included (101)",
    ),
    "steps an object": (
        body(nested(map_("inner map", steps={"name": "x"}))),
        "step 'inner map': Input should be a valid list",
    ),
    "steps a string": (body(nested(map_("inner map", steps="x"))), "step 'inner map': Input should be a valid list"),
    "steps null": (
        body(nested({"name": "inner map", "type": "map", "config": {"items": "input.x", "steps": None}})),
        "step 'inner map': Input should be a valid list",
    ),
    "block with timeout_seconds": (
        body(nested({**map_("inner map"), "timeout_seconds": 5})),
        "step 'inner map': a map step takes no timeout_seconds",
    ),
    "unknown step type in a map": (
        body(nested({"name": "odd", "type": "nope", "config": {}})),
        "step 'odd': Input tag 'nope' found using 'type' does not match any of the expected tags",
    ),
}


def messages(response: Any) -> str:
    """Every message of a 422 (the detail's `msg` and, for a body the parser refused, its reason)."""
    detail = response["detail"]
    return "\n".join(f"{problem['msg']} {problem.get('ctx', {}).get('error', '')}" for problem in detail)


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_nested_definitions_are_422_naming_the_step_and_the_rule(api, case):
    text, expected = HOSTILE[case]
    original = api.call("POST", "/api/workflows", {"name": "kept", "steps": [leaf("only")]})[1]
    for method, path in (("POST", "/api/workflows"), ("PUT", f"/api/workflows/{original['id']}")):
        started = time.perf_counter()
        status, response, _ = api.call(method, path, text)
        elapsed = time.perf_counter() - started
        assert status == 422, (method, case, response)
        assert response["message"] == "Request validation failed"
        assert expected in messages(response), (method, case, messages(response))
        assert "Recursion error" not in messages(response)
        assert elapsed < 2, (method, case, elapsed)  # deep ones are refused up front, never by recursing
    status, kept, _ = api.call("GET", f"/api/workflows/{original['id']}")
    assert status == 200 and kept["version"] == 1 and kept["steps"][0]["name"] == "only"
