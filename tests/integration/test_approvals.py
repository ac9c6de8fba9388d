"""Approval steps executing in moto's interpreter through the API: the machine waits on a task token
(`lambda:invoke.waitForTaskToken`), the decision route sends SendTaskSuccess or SendTaskFailure, a timeout is
States.Timeout, a cancel ends the wait, and the token never leaves the executions table."""

from __future__ import annotations

from typing import Any

import boto3

from tests.integration.conftest import wait_for, wait_terminal
from tests.integration.test_engine_executions import create, logs


def leaf(name: str, expression: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": expression}, **options}


def approval(name: str = "sign off", message: str = "Pay {{ input.amount }} to {{ input.to }}?", **options: Any):
    config = {"message": message, **options.pop("config", {})}
    return {"name": name, "type": "approval", "config": config, **options}


def start(api, workflow, input_data=None) -> str:
    status, body, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": input_data})
    assert status == 202, body
    return body["execution_id"]


def status_of(api, execution_id) -> dict[str, Any]:
    status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}")
    assert status == 200, body
    return body


def waiting(api, execution_id, step_name="sign off") -> dict[str, Any]:
    """The status object once `step_name` waits for a decision."""

    def ready():
        body = status_of(api, execution_id)
        return body if any(w["step_name"] == step_name for w in body["waiting_for"]) else None

    return wait_for(ready)


def decide(api, execution_id, step_name="sign off", decision="approve", comment=None):
    body = {"decision": decision, **({"comment": comment} if comment is not None else {})}
    return api.call("POST", f"/api/workflows/executions/{execution_id}/approvals/{step_name}", body)


def stored_approvals(resources, execution_id) -> dict[str, Any] | None:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    item = dynamodb.get_item(
        TableName=resources.table_names["Executions"], Key={"execution_id": {"S": execution_id}}
    ).get("Item", {})
    return item.get("approvals", {}).get("M")


def test_an_approved_step_outputs_the_decision_and_the_run_goes_on(api, resources):
    workflow = create(api, [leaf("first", "input"), approval(), leaf("after", 'steps."sign off".output')])
    execution_id = start(api, workflow, {"amount": 42, "to": "ACME"})
    body = waiting(api, execution_id)
    assert body["status"] == "running"
    [wait] = body["waiting_for"]
    assert wait["message"] == "Pay 42 to ACME?" and wait["since"]
    stored = stored_approvals(resources, execution_id)
    assert stored is not None and stored["sign off"]["M"]["token"]["S"]  # the token is on the item...

    status, decided, _ = decide(api, execution_id, comment="fine")
    assert status == 200, decided
    assert "token" not in str(decided).lower()  # ...and in no answer
    assert decided["waiting_for"] == []
    final = wait_terminal(api, execution_id)
    assert final["status"] == "completed", final
    output = final["output_data"]
    assert output["decision"] == "approve" and output["comment"] == "fine"
    assert output["decided_by"] == api.user_id and output["decided_at"]
    entries = [e for e in logs(api, execution_id) if e["step_name"] == "sign off"]
    assert len(entries) == 1 and entries[0]["output_data"] == output and entries[0]["error_message"] is None
    assert entries[0]["duration_ms"] >= 0
    assert stored_approvals(resources, execution_id) is None  # the terminal write removed the map

    status, again, _ = decide(api, execution_id)
    assert status == 409, again
