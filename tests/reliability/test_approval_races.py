"""An approval's decision racing a cancel, and racing its own timeout: many trials on the local stack, each
ending in one consistent outcome (DESIGN "People and other workflows"; the race rule: executions.approvals).

A consistent outcome: the decision's answer, the cancel's answer, the final status, the step's log items and
`waiting_for` all tell the same story, and the stored wait (its token) is gone once the execution has ended.
- decision vs cancel: the decision is 200 exactly when its log item exists; then the run completes unless the
  cancel stopped it first (the cancel is 200 exactly when the run ends cancelled); a 409 decision logs nothing.
- decision vs timeout: the decision is 200 exactly when the run completes with the decision as its output and one
  log item; a 409 decision leaves the run timed_out with no log item.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.conftest import TERMINAL, Client, Faults, aws_client, table_names

pytestmark = pytest.mark.xdist_group("reliability")

TRIALS = 50
APPROVAL = {"name": "sign off", "type": "approval", "config": {"message": "OK?", "timeout_seconds": 60}}


def stored_waits(rstack: dict[str, Any], execution_id: str) -> dict[str, Any] | None:
    item = aws_client(rstack, "dynamodb").get_item(
        TableName=table_names(rstack)["Executions"], Key={"execution_id": {"S": execution_id}}
    )["Item"]
    return item.get("approvals", {}).get("M") or None


def wait_until_waiting(client: Client, execution_id: str, timeout: float = 30) -> None:
    """Until the step waits (or the execution has ended: a short wait may time out before a poll sees it)."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.status(execution_id)
        if body["waiting_for"] or body["status"] in TERMINAL:
            return
        assert time.monotonic() < deadline, body
        time.sleep(0.02)


def decide(client: Client, execution_id: str) -> tuple[int, Any]:
    response = client.post(f"/api/workflows/executions/{execution_id}/approvals/sign off", json={"decision": "approve"})
    assert response.status_code in (200, 409), response.text
    return response.status_code, response.json()


def decision_logs(client: Client, execution_id: str) -> list[dict[str, Any]]:
    return [log for log in client.logs(execution_id) if log["step_name"] == "sign off"]


def test_a_decision_racing_a_cancel_ends_in_one_consistent_outcome(rstack, alice):
    workflow = alice.create_workflow([{**APPROVAL, "config": {"message": "OK?"}}], name="decision vs cancel")
    rng = random.Random(21)  # noqa: S311
    offsets = [rng.uniform(-0.05, 0.05) for _ in range(TRIALS)]

    def trial(offset: float) -> dict[str, Any]:
        execution_id = alice.execute(workflow["id"], {}).json()["execution_id"]
        wait_until_waiting(alice, execution_id)
        together = threading.Barrier(2)
        answers: dict[str, Any] = {}

        def approve() -> None:
            together.wait()
            time.sleep(max(0.0, offset))
            answers["decision"] = decide(alice, execution_id)

        def cancel() -> None:
            together.wait()
            time.sleep(max(0.0, -offset))
            response = alice.post(f"/api/workflows/executions/{execution_id}/cancel")
            answers["cancel"] = (response.status_code, response.json())

        threads = [threading.Thread(target=approve), threading.Thread(target=cancel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"id": execution_id, **answers}

    with ThreadPoolExecutor(max_workers=4) as pool:
        trials = list(pool.map(trial, offsets))

    outcomes: dict[tuple[str, int, int], int] = {}
    for result in trials:
        final = alice.wait_terminal(result["id"])
        decision, cancel = result["decision"][0], result["cancel"][0]
        key = (final["status"], decision, cancel)
        outcomes[key] = outcomes.get(key, 0) + 1
        logs = decision_logs(alice, result["id"])
        assert final["waiting_for"] == [] and stored_waits(rstack, result["id"]) is None, result
        assert (decision == 200) == (len(logs) == 1) and len(logs) <= 1, (result, logs)
        if cancel == 200:
            assert final["status"] == "cancelled", (result, final)
        else:
            assert cancel == 409 and final["status"] == "completed" and decision == 200, (result, final)
        if final["status"] == "completed":
            assert final["output_data"]["decision"] == "approve"
        if decision == 409:
            assert final["status"] == "cancelled", (result, final)
    print(f"\ndecision vs cancel, {TRIALS} trials (status, decision, cancel): {outcomes}")


def test_a_decision_racing_the_timeout_ends_in_one_consistent_outcome(rstack, alice, faults: Faults):
    faults.inject(kind="compressed_timeouts", scale=30)  # 60 s of wait: 2 s of test time
    workflow = alice.create_workflow([APPROVAL], name="decision vs timeout")
    rng = random.Random(34)  # noqa: S311
    delays = [rng.uniform(0.4, 1.9) for _ in range(TRIALS)]  # across the moment the wait closes

    def trial(delay: float) -> dict[str, Any]:
        execution_id = alice.execute(workflow["id"], {}).json()["execution_id"]
        wait_until_waiting(alice, execution_id)
        time.sleep(delay)
        return {"id": execution_id, "decision": decide(alice, execution_id)}

    with ThreadPoolExecutor(max_workers=4) as pool:
        trials = list(pool.map(trial, delays))

    outcomes = {"completed": 0, "timed_out": 0}
    refused = {"after the run ended (the claim)": 0, "by Step Functions (TaskTimedOut)": 0}
    for result in trials:
        final = alice.wait_terminal(result["id"])
        status, answer = result["decision"]
        assert final["status"] in outcomes, final
        outcomes[final["status"]] += 1
        logs = decision_logs(alice, result["id"])
        assert final["waiting_for"] == [] and stored_waits(rstack, result["id"]) is None, result
        if status == 200:
            assert final["status"] == "completed" and final["output_data"]["decision"] == "approve", (result, final)
            assert len(logs) == 1 and logs[0]["output_data"] == final["output_data"], logs
        else:
            assert final["status"] == "timed_out" and logs == [], (result, final, logs)
            late = "no longer waiting" in answer["message"]
            assert late or "not waiting" in answer["message"], answer
            refused["by Step Functions (TaskTimedOut)" if late else "after the run ended (the claim)"] += 1
    print(f"\ndecision vs timeout, {TRIALS} trials: {outcomes}; 409s refused {refused}")
