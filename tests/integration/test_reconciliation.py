"""Missed status writes are repaired: by the reconciler (EventBridge event) and by read-repair on GET."""

from __future__ import annotations

import importlib

import boto3

from infra.local.moto_seams import LambdaContext
from tests.integration.conftest import forget_outcome, status_events, wait_for, wait_terminal


def _finished_execution(api):
    """A completed execution whose status-change event has already reached the reconciler."""
    with status_events() as delivered:
        status, workflow, _ = api.call(
            "POST",
            "/api/workflows",
            {
                "name": "wf",
                "steps": [{"name": "echo", "type": "transform", "config": {"expression": "input.v"}}],
            },
        )
        execution_id = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"v": 7}})[1][
            "execution_id"
        ]
        assert wait_terminal(api, execution_id)["status"] == "completed"
        wait_for(lambda: execution_id in delivered)
    return workflow, execution_id


def test_reconciler_repairs_a_missed_completion(api, resources):
    workflow, execution_id = _finished_execution(api)
    forget_outcome(resources, execution_id, "2999-01-01T00:00:00.000000Z")  # not stale: GET won't repair
    assert api.call("GET", f"/api/workflows/executions/{execution_id}")[1]["status"] == "running"

    handler = importlib.import_module("reconciler.handler").handler
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:execution:wfe-local-{workflow['id']}:{execution_id}"
    described = sfn.describe_execution(executionArn=arn)
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": resources.region,
        "resources": [arn],
        "detail": {
            "executionArn": arn,
            "name": execution_id,
            "status": "SUCCEEDED",
            "output": described["output"],
            "stateMachineArn": described["stateMachineArn"],
            "error": None,
            "cause": None,
        },
    }
    result = handler(event, LambdaContext(function_name="Reconciler"))
    assert result == {"execution_id": execution_id, "status": "completed"}
    final = api.call("GET", f"/api/workflows/executions/{execution_id}")[1]
    assert final["status"] == "completed" and final["output_data"] == 7

    # A late event can never move a terminal execution.
    event["detail"]["status"] = "FAILED"
    assert handler(event, LambdaContext(function_name="Reconciler"))["status"] == "completed"


def test_read_repair_refreshes_a_stale_running_execution(api, resources):
    _, execution_id = _finished_execution(api)
    forget_outcome(resources, execution_id, "2000-01-01T00:00:00.000000Z")  # stale
    final = api.call("GET", f"/api/workflows/executions/{execution_id}")[1]
    assert final["status"] == "completed" and final["output_data"] == 7
