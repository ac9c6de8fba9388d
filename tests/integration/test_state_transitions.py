"""State transitions per workflow, counted from real execution histories: at most N + 3 for N Lambda steps."""

from __future__ import annotations

import boto3
import pytest

from bench.harness import history
from tests.integration.conftest import wait_terminal


def transitions(sfn, execution_arn: str) -> int:
    return sum(1 for event in history(sfn, execution_arn) if event["type"].endswith("StateEntered"))


@pytest.mark.parametrize("steps", [1, 5, 10])
def test_success_path_transitions(api, resources, steps):
    definition = [{"name": f"Step {i}", "type": "transform", "config": {"expression": "input"}} for i in range(steps)]
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": f"{steps} steps", "steps": definition})
    execution_id = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"n": steps}})[1][
        "execution_id"
    ]
    assert wait_terminal(api, execution_id)["status"] == "completed"
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:execution:wfe-local-{workflow['id']}:{execution_id}"
    counted = transitions(sfn, arn)
    print(f"\n{steps} Lambda steps: {counted} state transitions")
    assert counted == steps + 2  # $mark running, one per step, $record success
    assert counted <= steps + 3


def leaf(name: str) -> dict:
    return {"name": name, "type": "transform", "config": {"expression": "input"}}


BLOCKS = {
    # block -> (steps, the Lambda steps a run takes, the transitions the block adds beyond them)
    "choice": (
        [
            {
                "name": "route",
                "type": "choice",
                "config": {"branches": [{"when": {"path": "input.n", "op": "exists"}, "steps": [leaf("taken")]}]},
            }
        ],
        1,
        2,  # the Choice and its rejoining "$chosen" Pass
    ),
    "parallel": (
        [
            {
                "name": "fan",
                "type": "parallel",
                "config": {"branches": [{"name": "a", "steps": [leaf("a")]}, {"name": "b", "steps": [leaf("b")]}]},
            }
        ],
        2,
        1,  # the Parallel state
    ),
    "map": (
        [{"name": "each", "type": "map", "config": {"items": "input.items", "steps": [leaf("copy")]}}],
        3,
        2,  # the "$items" guard and the Map state
    ),
}


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_block_transitions(api, resources, block):
    steps, lambda_steps, added = BLOCKS[block]
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": block, "steps": steps})
    assert status == 201, workflow
    started = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"n": 1, "items": [1, 2, 3]}})
    execution_id = started[1]["execution_id"]
    assert wait_terminal(api, execution_id)["status"] == "completed"
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:execution:wfe-local-{workflow['id']}:{execution_id}"
    counted = transitions(sfn, arn)
    print(f"\n{block}: {counted} state transitions for {lambda_steps} Lambda steps")
    assert counted == 2 + lambda_steps + added
