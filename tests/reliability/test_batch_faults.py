"""Faults injected into batch requests on the local stack (tests/reliability/fault_stack.py: AWS answers chosen
calls with an error, as AWS would, and the SDK's standard retry mode applies)."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import Client
from tests.reliability.test_faults import REFUSED, SDK_ATTEMPTS, THROTTLED

pytestmark = pytest.mark.xdist_group("reliability")

HOLD = [{"name": "Hold", "type": "wait", "config": {"seconds": 300}}]
ECHO = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
STOP_THROTTLED = {"code": "ThrottlingException", "status": 400}
BATCH_GET = "/api/workflows/executions/batch-get"
BATCH_CANCEL = "/api/workflows/executions/batch-cancel"


def _running(client: Client, count: int) -> list[str]:
    workflow = client.create_workflow(HOLD, name="held")
    ids = [client.execute(workflow["id"]).json()["execution_id"] for _ in range(count)]
    for execution_id in ids:
        client.wait_status(execution_id, "running")
    return ids


def test_a_throttled_stop_execution_mid_batch_is_retried_then_that_ids_error(alice, faults):
    ids = _running(alice, 6)
    always = faults.inject(kind="aws", service="sfn", operation="StopExecution", body_contains=ids[2], **STOP_THROTTLED)
    twice = faults.inject(
        kind="aws", service="sfn", operation="StopExecution", body_contains=ids[4], count=2, **STOP_THROTTLED
    )

    response = alice.post(BATCH_CANCEL, json={"execution_ids": ids})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["execution_id"] for r in results] == ids
    failed = results[2]
    assert (failed["outcome"], failed["status"]) == ("error", "running")
    assert "ThrottlingException" in failed["message"]
    assert faults.fired(always) == SDK_ATTEMPTS and faults.fired(twice) == 2  # retried by the SDK
    assert all((r["outcome"], r["status"]) == ("cancelled", "cancelled") for i, r in enumerate(results) if i != 2)
    assert alice.status(ids[2])["status"] == "running"  # left as it was
    faults.clear()
    again = alice.post(BATCH_CANCEL, json={"execution_ids": [ids[2]]}).json()["results"]
    assert (again[0]["outcome"], again[0]["status"]) == ("cancelled", "cancelled")


def test_a_status_write_that_fails_after_the_stop_is_an_error_and_the_reconciler_records_cancelled(alice, faults):
    ids = _running(alice, 3)
    faults.inject(
        kind="aws", service="dynamodb", operation="UpdateItem", caller="handlers", body_contains=ids[1], **REFUSED
    )

    results = alice.post(BATCH_CANCEL, json={"execution_ids": ids}).json()["results"]

    assert [r["outcome"] for r in results] == ["cancelled", "error", "cancelled"]
    assert "Stopped, but" in results[1]["message"] and "AccessDeniedException" in results[1]["message"]
    faults.clear()
    # Step Functions did stop it: its ABORTED event reaches the reconciler, which records it.
    assert alice.wait_terminal(ids[1])["status"] == "cancelled"


def test_throttled_batch_reads_are_retried_and_a_refused_one_is_a_503(alice, faults):
    workflow = alice.create_workflow(ECHO, name="echo")
    ids = [alice.execute(workflow["id"], {"n": n}).json()["execution_id"] for n in range(3)]
    for execution_id in ids:
        alice.wait_terminal(execution_id)

    throttled = faults.inject(kind="aws", service="dynamodb", operation="BatchGetItem", count=2, **THROTTLED)
    response = alice.post(BATCH_GET, json={"execution_ids": ids})
    assert response.status_code == 200 and [e["id"] for e in response.json()["executions"]] == ids
    assert faults.fired(throttled) == 2

    faults.inject(kind="aws", service="dynamodb", operation="BatchGetItem", **REFUSED)
    for path in (BATCH_GET, BATCH_CANCEL):
        refused = alice.post(path, json={"execution_ids": ids})
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
    refused = alice.get("/api/workflows/executions/compare?ids=" + ",".join(ids))
    assert refused.status_code == 503, refused.text
