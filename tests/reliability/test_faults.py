"""Faults injected into the running local stack (tests/reliability/fault_stack.py), observed over HTTP.

Each test injects one kind of fault and then checks that nothing was lost and that the API, the executions
table and Step Functions agree: the client is told the truth, no execution is left `pending` with nothing
behind it, every step attempt left exactly one log item, and a terminal status never moves.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from infra.catalog import EXECUTIONS_API
from tests.reliability.conftest import STALE_AFTER_SECONDS, TERMINAL, Client, aws_client, table_names
from workflow_engine.models.execution import readable_error
from workflow_engine.platform.settings import ApiSettings

pytestmark = pytest.mark.xdist_group("reliability")

ECHO = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
TWO_STEPS = [
    {"name": "Load", "type": "transform", "config": {"expression": "input"}},
    {"name": "Shape", "type": "transform", "config": {"expression": "{n: input.n}"}},
]
# botocore's standard retry mode as configured in workflow_engine.platform.aws: the first attempt + 5 retries.
SDK_ATTEMPTS = 6
THROTTLED = {"code": "ProvisionedThroughputExceededException", "status": 400}
# An error the SDK does not retry (a dependency refusing for good), to reach the give-up path quickly.
REFUSED = {"code": "AccessDeniedException", "status": 400}
UNAVAILABLE = {"code": "ServiceUnavailable", "status": 503}


def executions_of(client: Client, workflow_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/workflows/executions?workflow_id={workflow_id}&limit=100")
    assert response.status_code == 200, response.text
    return response.json()


def stored_item(rstack: dict[str, Any], execution_id: str) -> dict[str, Any]:
    dynamodb = aws_client(rstack, "dynamodb")
    item = dynamodb.get_item(TableName=table_names(rstack)["Executions"], Key={"execution_id": {"S": execution_id}})
    return {name: next(iter(value.values())) for name, value in item["Item"].items()}


def execution_arn(rstack: dict[str, Any], workflow_id: str, execution_id: str) -> str:
    return f"arn:aws:states:{rstack['Region']}:123456789012:execution:wfe-local-{workflow_id}:{execution_id}"


# --- StartExecution fails ------------------------------------------------------------------------------


def test_start_execution_failure_is_503_recorded_failed_and_a_retry_with_the_same_key_starts_it(alice, faults):
    workflow = alice.create_workflow(ECHO)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    fault = faults.inject(kind="aws", service="sfn", operation="StartExecution", **UNAVAILABLE)

    refused = alice.execute(workflow["id"], {"n": 1}, headers=key)

    assert refused.status_code == 503, refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert "could not be started" in refused.json()["message"] and "Retry later" in refused.json()["message"]
    assert faults.fired(fault) == SDK_ATTEMPTS  # the SDK retried before giving up
    (recorded,) = executions_of(alice, workflow["id"])
    assert recorded["status"] == "failed" and "did not start" in recorded["error_message"]

    faults.clear()
    retried = alice.execute(workflow["id"], {"n": 1}, headers=key)
    assert retried.status_code == 202, retried.text  # the failed attempt was not remembered under the key
    assert alice.wait_terminal(retried.json()["execution_id"])["status"] == "completed"
    assert sorted(e["status"] for e in executions_of(alice, workflow["id"])) == ["completed", "failed"]


def test_a_transient_start_execution_failure_is_retried_by_the_sdk(alice, faults):
    workflow = alice.create_workflow(ECHO)
    fault = faults.inject(kind="aws", service="sfn", operation="StartExecution", count=2, **UNAVAILABLE)

    started = alice.execute(workflow["id"], {"n": 2})

    assert started.status_code == 202, started.text
    assert faults.fired(fault) == 2
    assert alice.wait_terminal(started.json()["execution_id"])["output_data"] == {"n": 2}
    assert len(executions_of(alice, workflow["id"])) == 1


def test_an_execution_whose_failure_could_not_be_recorded_is_repaired_on_read(rstack, alice, faults):
    """StartExecution fails AND the `failed` write fails: the item stays `pending` with no Step Functions
    execution behind it. Once stale, a GET finds that Step Functions never heard of it and records it failed."""
    workflow = alice.create_workflow(ECHO)
    faults.inject(kind="aws", service="sfn", operation="StartExecution", **UNAVAILABLE)
    # Only the execute path's `failed` write says StartExecutionFailed (not a reconciler write of another test).
    faults.inject(
        kind="aws",
        service="dynamodb",
        operation="UpdateItem",
        caller="handlers",
        body_contains="StartExecutionFailed",
        **REFUSED,
    )

    refused = alice.execute(workflow["id"], {"n": 3})

    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert refused.json()["message"].startswith("The workflow could not be started (ServiceUnavailable)")
    (orphan,) = executions_of(alice, workflow["id"])
    assert orphan["status"] == "pending"
    faults.clear()
    time.sleep(STALE_AFTER_SECONDS + 0.2)
    repaired = alice.status(orphan["id"])
    assert repaired["status"] == "failed" and "never started" in repaired["error_message"]
    assert executions_of(alice, workflow["id"])[0]["status"] == "failed"
    assert alice.execute(workflow["id"], {"n": 3}).status_code == 202


def test_the_orphan_repair_waits_at_least_as_long_as_the_api_function_may_run():
    """Read-repair records a `pending` execution unknown to Step Functions as failed once stale; by then the
    API invocation that wrote it must be over, or its StartExecution could still be in flight."""
    assert ApiSettings.model_fields["stale_after_seconds"].default >= EXECUTIONS_API.timeout_seconds


# --- DynamoDB throttling ---------------------------------------------------------------------------------


def test_dynamodb_throttling_is_absorbed_by_the_sdk_standard_retry_mode(rstack, alice, faults):
    workflow = alice.create_workflow(TWO_STEPS)
    tables = table_names(rstack)
    injected = {
        # the API's `pending` write, the step Lambdas' log writes, the API's reads
        "execute PutItem": faults.inject(
            kind="aws",
            service="dynamodb",
            operation="PutItem",
            body_contains=tables["Executions"],
            count=2,
            **THROTTLED,
        ),
        "log PutItem": faults.inject(
            kind="aws",
            service="dynamodb",
            operation="PutItem",
            body_contains=tables["ExecutionLogs"],
            count=2,
            **THROTTLED,
        ),
    }

    started = alice.execute(workflow["id"], {"n": 4})

    assert started.status_code == 202, started.text
    execution_id = started.json()["execution_id"]
    final = alice.wait_terminal(execution_id)
    assert final["status"] == "completed" and final["output_data"] == {"n": 4}
    logs = alice.logs(execution_id)
    assert [(log["step_name"], log["attempt"], log["error_message"]) for log in logs] == [
        ("Load", 1, None),
        ("Shape", 1, None),
    ]
    reads = {
        "GetItem": faults.inject(kind="aws", service="dynamodb", operation="GetItem", count=2, **THROTTLED),
        "Query": faults.inject(kind="aws", service="dynamodb", operation="Query", count=2, **THROTTLED),
    }
    assert alice.status(execution_id)["status"] == "completed"
    assert len(alice.logs(execution_id)) == 2
    assert alice.get(f"/api/workflows/{workflow['id']}").status_code == 200
    assert len(executions_of(alice, workflow["id"])) == 1
    state = faults.state()
    for name, fault in {**injected, **reads}.items():
        assert state["fired"][fault] > 0 and state["remaining"][fault] == 0, name


def test_a_dynamodb_failure_the_sdk_cannot_retry_away_is_a_503_and_leaves_nothing_behind(rstack, alice, faults):
    workflow = alice.create_workflow(ECHO)
    tables = table_names(rstack)
    faults.inject(kind="aws", service="dynamodb", operation="PutItem", body_contains=tables["Executions"], **REFUSED)

    refused = alice.execute(workflow["id"], {"n": 5})

    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert refused.json() == {"message": "The service could not complete the request; retry later"}
    faults.clear()
    assert executions_of(alice, workflow["id"]) == []


def test_a_throttled_status_write_of_the_machine_and_a_reader_do_not_fail_the_execution(alice, faults):
    """`$mark running` is throttled (the state machine's Retry absorbs it) for longer than the read-repair
    threshold; a client reading the execution meanwhile must not change its course (it used to: the read
    recorded `running` first, the machine's conditional write then failed and the execution failed)."""
    workflow = alice.create_workflow(ECHO)
    # Only `$mark running` writes carry this condition: a status write of another execution still finishing
    # from an earlier test cannot take the two throttles (which would let this one complete at once).
    fault = faults.inject(
        kind="aws",
        service="dynamodb",
        operation="UpdateItem",
        caller="interpreter",
        body_contains="IN (:from_pending)",
        count=2,
        **THROTTLED,
    )

    execution_id = alice.execute(workflow["id"], {"n": 6}).json()["execution_id"]
    time.sleep(STALE_AFTER_SECONDS + 0.3)
    assert alice.status(execution_id)["status"] in ("pending", "running")  # a stale read, repaired or not

    final = alice.wait_terminal(execution_id, timeout=30)
    assert final["status"] == "completed", final
    assert faults.fired(fault) == 2


# --- a step Lambda crashes -----------------------------------------------------------------------------


def test_a_crashing_step_fails_the_execution_with_a_log_item_carrying_the_error(alice, faults):
    workflow = alice.create_workflow(TWO_STEPS)
    faults.inject(kind="crash", step_type="transform", count=1, message="segfault-like crash")

    execution_id = alice.execute(workflow["id"], {"n": 7}).json()["execution_id"]
    final = alice.wait_terminal(execution_id)

    assert final["status"] == "failed", final
    # clear, and the exception's own text (which may hold internals: ARNs, keys, paths) is not shown
    assert final["error_message"] == "A step failed with an internal error (RuntimeError); the step logs show which one"
    (log,) = alice.logs(execution_id)
    assert log["step_name"] == "Load" and log["attempt"] == 1
    assert log["error_message"] == "Step 'Load' failed with an internal error (RuntimeError)"
    assert alice.logs(execution_id, "?has_error=true") == [log]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("KeyError", "A step failed with an internal error (KeyError); the step logs show which one"),
        ("ClientError", "A step failed with an internal error (ClientError); the step logs show which one"),
        ("StepFailed", "Step 'x' failed: boom"),
        ("States.Timeout", "A step exceeded its timeout_seconds: boom"),
        ("Lambda.ServiceException", "Lambda.ServiceException: boom"),
    ],
)
def test_internal_error_text_is_not_shown_to_the_user(error, shown):
    message = "Step 'x' failed: boom" if error == "StepFailed" else "boom"
    cause = json.dumps({"errorMessage": message, "errorType": error, "stackTrace": ["/var/task/x.py"]})
    assert readable_error(error, cause) == shown


def test_a_crash_is_retried_with_one_log_per_attempt(alice, faults):
    steps = [{**TWO_STEPS[0], "retry": {"max_attempts": 3, "interval_seconds": 1, "backoff_rate": 1.0}}, TWO_STEPS[1]]
    workflow = alice.create_workflow(steps)
    faults.inject(kind="crash", step_type="transform", count=1)

    execution_id = alice.execute(workflow["id"], {"n": 8}).json()["execution_id"]
    final = alice.wait_terminal(execution_id)

    assert final["status"] == "completed" and final["output_data"] == {"n": 8}
    logs = alice.logs(execution_id)
    assert [(log["step_name"], log["attempt"], log["error_message"] is None) for log in logs] == [
        ("Load", 1, False),
        ("Load", 2, True),
        ("Shape", 1, True),
    ]


# --- a step times out ------------------------------------------------------------------------------------


def test_a_step_timing_out_ends_the_execution_timed_out_and_the_late_result_changes_nothing(alice, faults):
    steps = [{**TWO_STEPS[0], "timeout_seconds": 1}, TWO_STEPS[1]]
    workflow = alice.create_workflow(steps)
    faults.inject(kind="crash", step_type="transform", count=1, sleep_seconds=2.5)  # hangs, then finishes

    execution_id = alice.execute(workflow["id"], {"n": 9}).json()["execution_id"]
    final = alice.wait_terminal(execution_id)

    assert final["status"] == "timed_out", final
    assert final["error_message"].startswith("A step exceeded its timeout_seconds")
    deadline = time.monotonic() + 10
    while not (logs := alice.logs(execution_id)):  # the abandoned attempt still writes its log when it ends
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert [(log["step_name"], log["attempt"]) for log in logs] == [("Load", 1)]
    assert alice.status(execution_id) == final
    assert alice.post(f"/api/workflows/executions/{execution_id}/cancel").status_code == 409


# --- cancel races completion -----------------------------------------------------------------------------

RACE_TRIALS = 40


def test_cancel_racing_completion_ends_in_exactly_one_consistent_outcome(rstack, alice):
    workflow = alice.create_workflow(TWO_STEPS)
    sfn = aws_client(rstack, "stepfunctions")
    rng = random.Random(5)  # noqa: S311
    delays = [rng.uniform(0, 0.12) for _ in range(RACE_TRIALS)]

    def trial(delay: float) -> dict[str, Any]:
        execution_id = alice.execute(workflow["id"], {"n": 1}).json()["execution_id"]
        time.sleep(delay)
        cancel = alice.post(f"/api/workflows/executions/{execution_id}/cancel")
        return {"id": execution_id, "cancel": cancel.status_code, "answer": cancel.json()}

    with ThreadPoolExecutor(max_workers=4) as pool:
        trials = list(pool.map(trial, delays))

    outcomes = {"cancelled": 0, "completed": 0}
    for result in trials:
        final = alice.wait_terminal(result["id"])
        assert final["status"] in outcomes, final
        outcomes[final["status"]] += 1
        if result["cancel"] == 200:
            assert final["status"] == "cancelled" and result["answer"]["status"] == "cancelled"
        else:
            assert result["cancel"] == 409 and final["status"] == "completed", result
            assert "completed" in result["answer"]["message"]
        logs = alice.logs(result["id"])
        if final["status"] == "completed":
            assert final["output_data"] == {"n": 1}
            assert [(log["step_name"], log["attempt"], log["error_message"]) for log in logs] == [
                ("Load", 1, None),
                ("Shape", 1, None),
            ]
        else:
            assert final["output_data"] is None
            assert [log["step_name"] for log in logs] == ["Load", "Shape"][: len(logs)]
            assert all(log["attempt"] == 1 for log in logs)
        described = sfn.describe_execution(executionArn=execution_arn(rstack, workflow["id"], result["id"]))
        assert described["status"] != "RUNNING"
        if final["status"] == "cancelled":
            assert described["status"] in ("ABORTED", "FAILED"), described["status"]  # FAILED: stopped pending
    time.sleep(0.5)  # late events and writes have landed: nothing moved
    for result in trials:
        again = alice.status(result["id"])
        assert again["status"] in outcomes
        assert alice.post(f"/api/workflows/executions/{result['id']}/cancel").status_code == 409
    for status in outcomes:
        listed = alice.get(f"/api/workflows/executions?workflow_id={workflow['id']}&status_filter={status}&limit=100")
        assert len(listed.json()) == outcomes[status]
    print(f"\ncancel vs completion, {RACE_TRIALS} trials: {outcomes}")


# --- a missed status event ------------------------------------------------------------------------------

LONG_WAIT = [TWO_STEPS[0], {"name": "Wait long", "type": "wait", "config": {"seconds": 300}}]


def _stop_behind_the_apis_back(rstack: dict[str, Any], client: Client, workflow_id: str, execution_id: str) -> None:
    """An operator stops the execution in the Step Functions console: only the status event tells us."""
    client.wait_status(execution_id, "running")
    aws_client(rstack, "stepfunctions").stop_execution(
        executionArn=execution_arn(rstack, workflow_id, execution_id), cause="stopped by an operator"
    )


def test_a_status_change_outside_the_api_reaches_the_table_through_the_reconciler(rstack, alice, faults):
    workflow = alice.create_workflow(LONG_WAIT)
    execution_id = alice.execute(workflow["id"], {}).json()["execution_id"]
    _stop_behind_the_apis_back(rstack, alice, workflow["id"], execution_id)

    deadline = time.monotonic() + 5
    while stored_item(rstack, execution_id)["status"] != "cancelled":  # the table itself, no read-repair
        assert time.monotonic() < deadline, stored_item(rstack, execution_id)
        time.sleep(0.05)
    assert alice.status(execution_id)["status"] == "cancelled"


def test_a_missed_status_event_is_repaired_on_read(rstack, alice, faults):
    workflow = alice.create_workflow(LONG_WAIT)
    execution_id = alice.execute(workflow["id"], {}).json()["execution_id"]
    faults.inject(kind="drop_events", count=1)
    _stop_behind_the_apis_back(rstack, alice, workflow["id"], execution_id)

    deadline = time.monotonic() + 5
    while execution_id not in faults.state()["dropped_events"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert stored_item(rstack, execution_id)["status"] == "running"  # the table missed it
    time.sleep(STALE_AFTER_SECONDS + 0.2)

    repaired = alice.status(execution_id)

    assert repaired["status"] == "cancelled" and repaired["completed_at"]
    assert stored_item(rstack, execution_id)["status"] == "cancelled"
    assert [log["step_name"] for log in alice.logs(execution_id)] == ["Load"]


def test_a_lost_completion_write_is_repaired_on_read_with_its_output(rstack, alice):
    workflow = alice.create_workflow(TWO_STEPS)
    execution_id = alice.execute(workflow["id"], {"n": 11}).json()["execution_id"]
    assert alice.wait_terminal(execution_id)["status"] == "completed"
    aws_client(rstack, "dynamodb").update_item(  # as if the machine's "$record success" write was lost
        TableName=table_names(rstack)["Executions"],
        Key={"execution_id": {"S": execution_id}},
        UpdateExpression="SET #s = :running, user_status = :us, updated_at = :t REMOVE final_result, completed_at",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":running": {"S": "running"},
            ":us": {"S": stored_item(rstack, execution_id)["user_id"] + "#running"},
            ":t": {"S": "2000-01-01T00:00:00.000000Z"},
        },
    )

    repaired = alice.status(execution_id)

    assert repaired["status"] == "completed" and repaired["output_data"] == {"n": 11}
    assert len(alice.logs(execution_id)) == 2


# --- the same Idempotency-Key twice ------------------------------------------------------------------------


def test_a_repeated_idempotency_key_starts_one_execution(alice):
    workflow = alice.create_workflow(ECHO)
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = alice.execute(workflow["id"], {"n": 12}, headers=key)
    second = alice.execute(workflow["id"], {"n": 12}, headers=key)

    assert first.status_code == second.status_code == 202
    assert first.json()["execution_id"] == second.json()["execution_id"]
    assert alice.execute(workflow["id"], {"n": 13}, headers=key).status_code == 422  # same key, other body
    assert len(executions_of(alice, workflow["id"])) == 1


def test_concurrent_requests_with_the_same_idempotency_key_start_one_execution(alice, bob):
    workflow = alice.create_workflow(ECHO)
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    barrier = threading.Barrier(8)

    def send(_: int) -> tuple[int, Any]:
        client = Client({"ApiUrl": alice.base}, None)
        client.session.headers.update(alice.session.headers)
        barrier.wait()
        response = client.execute(workflow["id"], {"n": 14}, headers=key)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))

    accepted = {body["execution_id"] for status, body in answers if status == 202}
    assert len(accepted) == 1, answers
    # A duplicate that arrives while the first is still in progress is told to retry, never started twice.
    assert all(status in (202, 409) for status, _ in answers), answers
    (only,) = executions_of(alice, workflow["id"])
    assert only["id"] in accepted
    assert alice.wait_terminal(only["id"])["status"] in TERMINAL
    # The key is scoped to its user: bob's same key is his own request (and alice's workflow is 404 to him).
    assert bob.execute(workflow["id"], {"n": 14}, headers=key).status_code == 404
