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
