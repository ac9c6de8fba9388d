"""The approval step's Lambda: store the task token with the execution and return at once.

The Task invoking it waits on the token (`lambda:invoke.waitForTaskToken`, asl.approval): the Lambda's own answer
is not the step's result; the decision's SendTaskSuccess (or SendTaskFailure, or the Task's timeout) is. So no
Lambda runs, and none is billed, while a person decides. The stored wait (data.approvals) carries the rendered
message (placeholders, as any step's), since when it waits and until when (`expires_at`: now + timeout_seconds),
the attempt and the enclosing block. Its log item is written when it is decided (executions.approvals), with the
waiting time as its duration; a message whose placeholders fail fails the attempt with a log item saying why.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow_engine.asl.state_document import step_context
from workflow_engine.data.approvals import ApprovalRepository, HeldWait
from workflow_engine.data.logs import LogRepository
from workflow_engine.models.approvals import ApprovalConfig, ApprovalWait
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.step_errors import StepFailed, reported_class
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.step_settings import StepSettings
from workflow_engine.steps.payload import cap_json
from workflow_engine.steps.placeholders import render, to_text
from workflow_engine.steps.runtime import StepInvocation

TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class ApprovalInvocation(StepInvocation):
    """The step payload (asl.task.step_payload) plus the Task's token (`$$.Task.Token`)."""

    task_token: str


def expires_at(since: str, timeout_seconds: int) -> str:
    moment = datetime.strptime(since, TIMESTAMP).replace(tzinfo=UTC) + timedelta(seconds=timeout_seconds)
    return moment.strftime(TIMESTAMP)


def hold_for_decision(
    event: dict[str, Any], settings: StepSettings, approvals: ApprovalRepository, logs: LogRepository
) -> dict[str, Any]:
    """Store the wait; returns `{"waiting": bool}` (false: the execution had already ended, nothing stored)."""
    invocation = ApprovalInvocation.model_validate(event)
    config = ApprovalConfig.model_validate(invocation.step.settings())
    context = step_context(invocation.document, invocation.step_names)
    since = utc_now()
    started = time.perf_counter()
    try:
        message = to_text(render(config.message, context))
    except StepFailed as error:
        text = f"Step '{invocation.step.name}' failed: {error}"
        logs.put(_failure_log(invocation, context, text, since, started, settings.log_payload_max_bytes))
        raise reported_class(error)(text) from None
    wait = ApprovalWait(
        message=message,
        since=since,
        expires_at=expires_at(since, config.timeout_seconds),
        attempt=invocation.retry_count + 1,
        parent_step=invocation.parent_step,
    )
    stored = approvals.hold(
        invocation.execution_id, invocation.step.name, HeldWait(token=invocation.task_token, wait=wait)
    )
    return {"waiting": stored}


def _failure_log(
    invocation: ApprovalInvocation, context: dict[str, Any], message: str, since: str, started: float, cap: int
) -> LogRecord:
    input_data, input_truncated = cap_json(context, cap)
    return invocation.log_record(
        input_data=input_data,
        input_truncated=input_truncated,
        duration_ms=round((time.perf_counter() - started) * 1000),
        error_message=message,
        timestamp=since,
    )
