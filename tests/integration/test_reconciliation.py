"""Missed status writes are repaired: by the reconciler (EventBridge event) and by read-repair on GET."""

from __future__ import annotations

import importlib

import boto3

from infra.local import moto_seams
from infra.local.moto_seams import LambdaContext
from tests.integration.conftest import wait_for, wait_terminal


def _finished_execution(api):
    """A completed execution whose status-change event has already reached the reconciler (the event comes from
    moto's worker after the machine's own `$record success` write; arriving after _forget_outcome, it would
    repair the item before the test does)."""
    delivered: set[str] = set()

    def listener(event):  # runs after the reconciler, which was registered first
        delivered.add(event["detail"]["name"])

    moto_seams.add_status_listener(listener)
    try:
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
    finally:
        moto_seams.remove_status_listener(listener)
    return workflow, execution_id


def _forget_outcome(resources, execution_id, updated_at):
    """Put the item back to `running`, as if the machine's own status write had been lost."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    dynamodb.update_item(
        TableName=resources.table_names["Executions"],
        Key={"execution_id": {"S": execution_id}},
        UpdateExpression="SET #s = :running, updated_at = :t REMOVE final_result, completed_at",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":running": {"S": "running"}, ":t": {"S": updated_at}},
    )


def test_reconciler_repairs_a_missed_completion(api, resources):
    workflow, execution_id = _finished_execution(api)
    _forget_outcome(resources, execution_id, "2999-01-01T00:00:00.000000Z")  # not stale: GET won't repair
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
    _forget_outcome(resources, execution_id, "2000-01-01T00:00:00.000000Z")  # stale
    final = api.call("GET", f"/api/workflows/executions/{execution_id}")[1]
    assert final["status"] == "completed" and final["output_data"] == 7
