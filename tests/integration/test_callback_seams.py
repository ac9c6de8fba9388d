"""moto 5.2 runs `.waitForTaskToken` (lambda) tasks and answers SendTaskSuccess, SendTaskFailure and
SendTaskHeartbeat; where it differs from AWS, seams 12 and 13 (infra/local/callback_seams.py) make it answer as
AWS does. Each test here fails without its seam (checked by reverting it once)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import wait_for, wait_terminal
from tests.integration.test_approvals import approval, create, leaf, start, stored_approvals, waiting
from tests.support.approval_clock import compressed_timeouts


def sfn(resources):
    return boto3.client("stepfunctions", region_name=resources.region)


def token_of(resources, execution_id, step_name="sign off") -> str:
    stored = wait_for(lambda: (stored_approvals(resources, execution_id) or {}).get(step_name))
    return stored["M"]["token"]["S"]


def error_code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_send_task_success_and_heartbeat_reach_a_waiting_task(api, resources):
    """moto supports the pattern itself: the decision is the task's result; a heartbeat is accepted (seam 13)."""
    workflow = create(api, [approval()], name="direct")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    token = token_of(resources, execution_id)
    sfn(resources).send_task_heartbeat(taskToken=token)
    sfn(resources).send_task_success(taskToken=token, output=json.dumps({"decision": "approve"}))
    final = wait_terminal(api, execution_id)
    assert final["status"] == "completed" and final["output_data"] == {"decision": "approve"}, final
    assert error_code(lambda: sfn(resources).send_task_success(taskToken=token, output="{}")) == "TaskTimedOut"
    assert error_code(lambda: sfn(resources).send_task_success(taskToken="no-such-token", output="{}")) == (
        "InvalidToken"
    )


def test_send_task_failure_carries_its_cause(api, resources):
    """Seam 12."""
    workflow = create(api, [approval(continue_on_error=True), leaf("after", 'steps."sign off"')], name="cause")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    sfn(resources).send_task_failure(taskToken=token_of(resources, execution_id), error="Nope", cause="because")
    final = wait_terminal(api, execution_id)
    assert final["output_data"] == {"output": None, "error": "because"}, final


def test_a_token_whose_task_timed_out_is_refused(api, resources):
    """Seam 13: the first wait times out (and continues), the second waits: the first's token is spent."""
    workflow = create(
        api,
        [approval(config={"timeout_seconds": 60}, continue_on_error=True), approval("second")],
        name="spent",
    )
    with compressed_timeouts():
        execution_id = start(api, workflow, {"amount": 1, "to": "x"})
        first = token_of(resources, execution_id)
        waiting(api, execution_id, "second")
    assert error_code(lambda: sfn(resources).send_task_success(taskToken=first, output="{}")) == "TaskTimedOut"
    api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")


def test_the_token_of_a_stopped_execution_is_refused(api, resources):
    """Seam 13: moto accepted SendTaskFailure for a stopped execution's token in silence."""
    workflow = create(api, [approval()], name="stopped")
    execution_id = start(api, workflow, {"amount": 1, "to": "x"})
    token = token_of(resources, execution_id)
    status, body, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")
    assert status == 200, body
    failure = lambda: sfn(resources).send_task_failure(taskToken=token, error="E", cause="c")  # noqa: E731
    assert error_code(failure) == "TaskTimedOut"


def test_a_retried_wait_has_a_new_token(api, resources):
    """Seam 13: the second attempt waits on a token of its own (moto reused the first, already closed)."""
    retry = {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1.0}
    workflow = create(api, [approval(config={"timeout_seconds": 60}, retry=retry)], name="retried")
    with compressed_timeouts():
        execution_id = start(api, workflow, {"amount": 1, "to": "x"})
        first = token_of(resources, execution_id)

        def second_attempt():
            stored = (stored_approvals(resources, execution_id) or {}).get("sign off")
            return stored if stored and stored["M"]["attempt"]["N"] == "2" else None

        stored = wait_for(second_attempt)
        assert stored["M"]["token"]["S"] != first
        sfn(resources).send_task_success(taskToken=stored["M"]["token"]["S"], output=json.dumps({"ok": 1}))
        final = wait_terminal(api, execution_id)
    assert final["status"] == "completed" and final["output_data"] == {"ok": 1}, final
