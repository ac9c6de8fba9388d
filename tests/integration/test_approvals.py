"""Approval steps executing in moto's interpreter through the API: the machine waits on a task token
(`lambda:invoke.waitForTaskToken`), the decision route sends SendTaskSuccess or SendTaskFailure, a timeout is
States.Timeout, a cancel ends the wait, and the token never leaves the executions table."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration.conftest import wait_for, wait_terminal
from tests.integration.test_engine_executions import create, logs
from tests.support.approval_clock import compressed_timeouts


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


def test_a_rejection_fails_the_step_with_approval_rejected_or_continues(api, resources):
    strict = create(api, [approval(), leaf("after", "input")], name="strict")
    execution_id = start(api, strict, {"amount": 1, "to": "x"})
    waiting(api, execution_id)
    status, body, _ = decide(api, execution_id, decision="reject", comment="too much")
    assert status == 200, body
    final = wait_terminal(api, execution_id)
    assert final["status"] == "failed", final
    assert final["error_message"] == "ApprovalRejected: too much"
    [entry] = logs(api, execution_id)
    assert entry["step_name"] == "sign off" and "ApprovalRejected" in entry["error_message"]
    assert entry["output_data"]["decision"] == "reject"

    tolerant = create(api, [approval(continue_on_error=True), leaf("after", 'steps."sign off"')], name="tolerant")
    execution_id = start(api, tolerant, {"amount": 1, "to": "x"})
    waiting(api, execution_id)
    status, body, _ = decide(api, execution_id, decision="reject")
    assert status == 200, body
    final = wait_terminal(api, execution_id)
    assert final["status"] == "completed", final
    assert final["output_data"] == {"output": None, "error": "Rejected without a comment"}


def test_a_wait_past_its_timeout_is_states_timeout_and_a_late_decision_is_409(api, resources):
    workflow = create(api, [approval(config={"timeout_seconds": 60})], name="short wait")
    with compressed_timeouts():  # 60 s of test time: 1 s
        execution_id = start(api, workflow, {"amount": 1, "to": "x"})
        waiting(api, execution_id)
        final = wait_terminal(api, execution_id)
    assert final["status"] == "timed_out", final
    assert final["waiting_for"] == []
    assert stored_approvals(resources, execution_id) is None
    status, body, _ = decide(api, execution_id)
    assert status == 409, body
    assert "timed_out" in body["message"]


def test_a_timeout_with_continue_on_error_goes_on_and_the_wait_no_longer_shows(api, resources):
    workflow = create(
        api,
        [approval(config={"timeout_seconds": 60}, continue_on_error=True), leaf("after", 'steps."sign off"')],
        name="tolerant wait",
    )
    with compressed_timeouts():
        execution_id = start(api, workflow, {"amount": 1, "to": "x"})
        final = wait_terminal(api, execution_id)
    assert final["status"] == "completed", final
    assert final["output_data"]["output"] is None and final["waiting_for"] == []


def test_cancel_while_waiting_ends_the_wait_and_removes_the_token(api, resources):
    workflow = create(api, [approval()], name="cancelled")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    waiting(api, execution_id)
    status, body, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")
    assert status == 200 and body["status"] == "cancelled", body
    assert body["waiting_for"] == []
    assert stored_approvals(resources, execution_id) is None
    status, body, _ = decide(api, execution_id)
    assert status == 409, body
    assert "cancelled" in body["message"]


def test_a_second_decision_is_409_and_a_foreign_execution_404(api, other_api, resources):
    workflow = create(api, [approval()], name="twice")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    waiting(api, execution_id)
    status, body, _ = decide(other_api, execution_id)
    assert status == 404, body
    assert status_of(api, execution_id)["waiting_for"]  # the foreign call took nothing
    status, body, _ = decide(api, execution_id, step_name="no such step")
    assert status == 409, body
    assert decide(api, execution_id)[0] == 200
    status, body, _ = decide(api, execution_id, decision="reject")
    assert status == 409, body
    assert "not waiting" in body["message"]
    assert wait_terminal(api, execution_id)["status"] == "completed"


def test_bad_bodies_are_422(api, resources):
    workflow = create(api, [approval()], name="bodies")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    waiting(api, execution_id)
    path = f"/api/workflows/executions/{execution_id}/approvals/sign off"
    for body in (
        {"decision": "maybe"},
        {},
        {"decision": "approve", "comment": "x" * 2001},
        {"decision": "approve", "x": 1},
    ):
        status, answer, _ = api.call("POST", path, body)
        assert status == 422, (body, answer)
    assert status_of(api, execution_id)["waiting_for"]
    api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")


def test_an_approval_inside_a_map_is_refused_and_inside_a_choice_waits(api, resources):
    status, body, _ = api.call(
        "POST",
        "/api/workflows",
        {
            "name": "m",
            "steps": [{"name": "each", "type": "map", "config": {"items": "input.i", "steps": [approval()]}}],
        },
    )
    assert status == 422 and "cannot run inside a map" in str(body), body
    branch = {"when": {"path": "input.amount", "op": "gt", "value": 10}, "steps": [approval()]}
    workflow = create(api, [{"name": "big?", "type": "choice", "config": {"branches": [branch]}}], name="choice wait")
    execution_id = start(api, workflow, {"amount": 50, "to": "x"})
    waiting(api, execution_id)
    assert decide(api, execution_id)[0] == 200
    final = wait_terminal(api, execution_id)
    assert final["status"] == "completed", final
    [entry] = logs(api, execution_id)
    assert entry["parent_step"] == "big?"


def test_subscribers_get_an_approval_message_and_the_webhook_fires_when_it_waits(api, connections, resources):
    from standardwebhooks import Webhook

    from infra.local import moto_seams
    from tests.integration.test_realtime import Socket
    from tests.support.loopback import Receiver, webhook_server

    receiver = Receiver()
    with webhook_server(receiver) as url:
        status, workflow, _ = api.call(
            "POST",
            "/api/workflows",
            {"name": "notified", "steps": [approval()], "notify": {"webhook_url": f"{url}/hook", "on": ["approval"]}},
        )
        assert status == 201, workflow
        socket = Socket(api.user_id)
        assert socket.send({"action": "subscribe", "workflow_id": workflow["id"]})["type"] == "subscribed"
        execution_id = start(api, workflow, {"amount": 7, "to": "Bob"})
        waiting(api, execution_id)
        assert moto_seams.drain_event_sources()
        wait_for(lambda: receiver.requests)
        assert decide(api, execution_id)[0] == 200
        wait_terminal(api, execution_id)
        assert moto_seams.drain_event_sources()

    approvals = [m for m in connections.messages(socket.connection_id) if m["type"] == "approval"]
    assert approvals == [
        {"type": "approval", "execution_id": execution_id, "step_name": "sign off", "message": "Pay 7 to Bob?"}
    ]
    everything = json.dumps(connections.messages(socket.connection_id))
    ((headers, body),) = receiver.requests  # "approval" only: the completion is not in `on`
    delivered = Webhook(workflow["notify_secret"]).verify(body, headers)
    assert delivered["event"] == "approval" and delivered["step_name"] == "sign off"
    assert delivered["waiting_for"][0]["message"] == "Pay 7 to Bob?"
    assert "token" not in everything.lower() and b"token" not in body.lower()


def test_the_token_is_in_no_answer_of_any_route(api, resources):
    workflow = create(api, [approval()], name="secretive")
    first = start(api, workflow, {"amount": 1, "to": "x"})
    second = start(api, workflow, {"amount": 2, "to": "y"})
    waiting(api, first)
    waiting(api, second)
    tokens = [stored_approvals(resources, e)["sign off"]["M"]["token"]["S"] for e in (first, second)]
    answers = [
        api.call("GET", f"/api/workflows/executions/{first}"),
        api.call("GET", "/api/workflows/executions"),
        api.call("GET", "/api/workflows/executions", query=f"workflow_id={workflow['id']}"),
        api.call("GET", "/api/workflows/executions", query="status_filter=running"),
        api.call("POST", "/api/workflows/executions/batch-get", {"execution_ids": [first, second]}),
        api.call("GET", "/api/workflows/executions/compare", query=f"ids={first},{second}"),
        api.call("GET", f"/api/workflows/executions/{first}/logs"),
        api.call("GET", f"/api/workflows/executions/{first}/notifications"),
        api.call("GET", "/api/logs"),
        decide(api, first),
        api.call("POST", f"/api/workflows/executions/{second}/cancel"),
        api.call("POST", "/api/workflows/executions/batch-cancel", {"execution_ids": [first, second]}),
    ]
    for status, body, headers in answers:
        assert status < 500, body
        text = json.dumps(body) + json.dumps(headers)
        assert not any(token in text for token in tokens), text[:200]
    assert any(w["step_name"] == "sign off" for w in answers[0][1]["waiting_for"])
