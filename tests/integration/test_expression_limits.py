"""Expression limits through the handlers: deep nesting is a 422 naming the step and the rule (it was a 503 and
an ERROR log: a RecursionError escaped), and an expression past its run-time budget fails its step with a clear
message, quickly, instead of holding the step (and, locally, the stack's process) for seconds."""

from __future__ import annotations

import pytest

from tests.integration.conftest import wait_terminal

DEEP = {
    "brackets": "[" * 450 + "]" * 450,
    "parentheses": "(" * 1500 + "input" + ")" * 1500,
    "negations": "!" * 4000 + "input",
}


def _transform(expression: str) -> dict:
    return {"name": "deep", "steps": [{"name": "Pick", "type": "transform", "config": {"expression": expression}}]}


def _prompt(template: str) -> dict:
    return {"name": "deep", "steps": [{"name": "Ask", "type": "ai", "config": {"prompt": template}}]}


def _assert_rule(response: dict, field: str) -> None:
    """The 422 names the step (by its place in `loc`: the first step here), its field, and the rule."""
    assert response["message"] == "Request validation failed", response
    assert [item["loc"][1:3] for item in response["detail"]] == [["steps", 0]], response["detail"]
    assert [item["loc"][-1] for item in response["detail"]] == [field]
    assert "nests more than 64 levels deep" in response["detail"][0]["msg"]


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_a_deeply_nested_transform_expression_is_422_on_create_and_replace(api, kind):
    status, response, _ = api.call("POST", "/api/workflows", _transform(DEEP[kind]))
    assert status == 422, response
    _assert_rule(response, "expression")
    status, workflow, _ = api.call("POST", "/api/workflows", _transform("input"))
    status, response, _ = api.call("PUT", f"/api/workflows/{workflow['id']}", _transform(DEEP[kind]))
    assert status == 422, response
    _assert_rule(response, "expression")


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_a_deeply_nested_prompt_placeholder_is_422(api, kind):
    status, response, _ = api.call("POST", "/api/workflows", _prompt("Summarise {{ " + DEEP[kind] + " }}"))
    assert status == 422, response
    _assert_rule(response, "prompt")


def test_an_expression_over_its_budget_fails_its_step_quickly_with_a_clear_message(api):
    doubling = "'ab'" + " | [@,@]" * 20 + " | length(to_string(@))"  # k = 20 took 378 ms unbounded
    steps = [
        {"name": "Explode", "type": "transform", "config": {"expression": doubling}, "retry": {"max_attempts": 2}},
    ]
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "budget", "steps": steps})
    assert status == 201, workflow
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {}})
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "failed"
    assert "Step 'Explode' failed: expression too expensive" in final["error_message"], final
    status, logs, _ = api.call("GET", f"/api/workflows/executions/{started['execution_id']}/logs")
    assert status == 200 and [entry["attempt"] for entry in logs] == [1, 2]  # the step's own retry bounds it
    assert all(entry["duration_ms"] < 1_000 for entry in logs), logs
