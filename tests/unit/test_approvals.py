"""Approval steps, pure parts: the config rules, waiting_for, the stream's started waits, the compiled Task."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workflow_engine.asl.compiler import CompileTarget, compile_workflow
from workflow_engine.data.approvals import ClaimRefused, HeldWait, started_waiting
from workflow_engine.data.sfn_gateway import StepFunctionsError, TaskNotWaiting
from workflow_engine.executions.approvals import DecideApproval
from workflow_engine.models.approvals import ApprovalDecisionRequest, ApprovalWait, waiting_for
from workflow_engine.models.errors import ApprovalNotWaiting, ServiceUnavailableError
from workflow_engine.models.execution import ExecutionRecord
from workflow_engine.models.workflow import WorkflowDefinition

TARGET = CompileTarget(function_arns={"transform": "arn:t", "approval": "arn:a"}, executions_table="executions")


def approval(**options):
    return {"name": "ok?", "type": "approval", "config": {"message": "Pay {{ input.n }}?", **options}}


def definition(steps):
    return WorkflowDefinition.model_validate({"name": "w", "steps": steps})


def test_the_timeout_defaults_to_a_day_and_is_bounded():
    assert definition([approval()]).steps[0].config.timeout_seconds == 86_400
    for bad in (59, 31_536_001):
        with pytest.raises(ValidationError, match="timeout_seconds"):
            definition([approval(timeout_seconds=bad)])
    with pytest.raises(ValidationError, match="placeholder"):
        definition([approval(message="{{ }}")])
    with pytest.raises(ValidationError, match="bounded by config.timeout_seconds"):
        definition([{**approval(), "timeout_seconds": 5}])


def test_inside_a_map_it_is_refused_naming_the_step():
    inner = {"name": "each", "type": "map", "config": {"items": "input.items", "steps": [approval()]}}
    with pytest.raises(ValidationError, match="step 'ok\\?': an approval step cannot run inside a map"):
        definition([inner])


def test_the_decision_body():
    assert ApprovalDecisionRequest.model_validate({"decision": "reject", "comment": "no"}).comment == "no"
    for bad in ({"decision": "maybe"}, {"decision": "approve", "comment": "x" * 2001}, {"decision": "approve", "a": 1}):
        with pytest.raises(ValidationError):
            ApprovalDecisionRequest.model_validate(bad)


def test_waiting_for_shows_the_waits_not_past_their_timeout_oldest_first():
    waits = {
        "b": ApprovalWait(message="B", since="2026-01-01T00:00:02.000000Z", expires_at="2026-01-02T00:00:00.000000Z"),
        "a": ApprovalWait(message="A", since="2026-01-01T00:00:01.000000Z", expires_at="2026-01-02T00:00:00.000000Z"),
        "gone": ApprovalWait(
            message="G", since="2026-01-01T00:00:00.000000Z", expires_at="2026-01-01T00:01:00.000000Z"
        ),
    }
    shown = waiting_for(waits, "2026-01-01T12:00:00.000000Z")
    assert [w.step_name for w in shown] == ["a", "b"]


def test_the_compiled_task_waits_on_its_token_for_timeout_seconds():
    asl = compile_workflow("w", "u", definition([approval(timeout_seconds=120)]).steps, TARGET)
    state = asl["States"]["ok?"]
    assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert state["TimeoutSeconds"] == 120
    assert state["Parameters"]["FunctionName"] == "arn:a"
    assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    # the terminal writes of a workflow with approvals remove the waits (the tokens with them)
    for name in ("$record success", "$record failure", "$record timeout"):
        assert asl["States"][name]["Parameters"]["UpdateExpression"].endswith(" REMOVE #approvals"), name


def test_a_machine_without_approvals_is_unchanged():
    steps = definition([{"name": "t", "type": "transform", "config": {"expression": "input"}}]).steps
    asl = compile_workflow("w", "u", steps, TARGET)
    assert "approvals" not in str(asl)


def wait_item(attempt: int, since: str) -> dict:
    return {
        "M": {
            "token": {"S": "secret"},
            "message": {"S": "OK?"},
            "since": {"S": since},
            "expires_at": {"S": "2027-01-01T00:00:00.000000Z"},
            "attempt": {"N": str(attempt)},
        }
    }


def test_a_stream_record_starts_a_wait_once_per_attempt_and_never_carries_the_token():
    old = {"status": {"S": "running"}, "approvals": {"M": {}}}
    new = {"status": {"S": "running"}, "approvals": {"M": {"ok?": wait_item(1, "2026-01-01T00:00:00.000000Z")}}}
    [(name, wait)] = started_waiting(old, new)
    assert name == "ok?" and wait.message == "OK?" and "secret" not in wait.model_dump_json()
    assert started_waiting(new, new) == []
    retried = {"status": {"S": "running"}, "approvals": {"M": {"ok?": wait_item(2, "2026-01-01T00:01:00.000000Z")}}}
    assert [name for name, _ in started_waiting(new, retried)] == ["ok?"]
    assert started_waiting(old, {**new, "status": {"S": "cancelled"}}) == []


class _Executions:
    def __init__(self, record):
        self.record = record

    def get(self, execution_id):
        return self.record


class _Approvals:
    def __init__(self, held):
        self.held, self.restored = held, []

    def claim(self, execution_id, step_name, now):
        held, self.held = self.held, None
        return held or ClaimRefused(status=None, wait=None)

    def restore(self, execution_id, step_name, held):
        self.restored.append(held)
        self.held = held
        return True


class _Logs:
    def __init__(self):
        self.written = []

    def put_many(self, records):
        self.written += records


class _Gateway:
    def __init__(self, error):
        self.error = error

    def send_task_success(self, token, output):
        raise self.error

    def send_task_failure(self, token, error, cause):
        raise self.error


def _decide(error):
    record = ExecutionRecord(
        execution_id="e",
        user_id="u",
        workflow_id="w",
        workflow_version=1,
        state_machine_arn="arn:aws:states:us-east-1:1:stateMachine:m",
        status="running",
        started_at="2026-01-01T00:00:00.000000Z",
        updated_at="2026-01-01T00:00:00.000000Z",
    )
    wait = ApprovalWait(message="OK?", since="2026-01-01T00:00:00.000000Z", expires_at="2099-01-01T00:00:00.000000Z")
    approvals, logs = _Approvals(HeldWait(token="t", wait=wait)), _Logs()
    use_case = DecideApproval(_Executions(record), approvals, logs, _Gateway(error))
    return use_case, approvals, logs


def test_a_step_functions_fault_puts_the_wait_back_and_answers_503():
    use_case, approvals, logs = _decide(StepFunctionsError("ThrottlingException"))
    with pytest.raises(ServiceUnavailableError, match="ThrottlingException"):
        use_case("u", "e", "ok?", ApprovalDecisionRequest(decision="approve"))
    assert approvals.held is not None and len(approvals.restored) == 1 and logs.written == []


def test_a_token_step_functions_no_longer_waits_on_is_409_and_logs_nothing():
    use_case, approvals, logs = _decide(TaskNotWaiting("TaskTimedOut"))
    with pytest.raises(ApprovalNotWaiting, match="no longer waiting"):
        use_case("u", "e", "ok?", ApprovalDecisionRequest(decision="reject"))
    assert approvals.held is None and approvals.restored == [] and logs.written == []
    with pytest.raises(ApprovalNotWaiting, match="not waiting"):  # the wait is spent: a second try finds nothing
        use_case("u", "e", "ok?", ApprovalDecisionRequest(decision="approve"))
