"""Workflow definition -> Amazon States Language (JSONPath), a pure and deterministic function.

One state per step, named by the step, so the console's execution graph is the user's own workflow:
transform/http/ai steps are Task states invoking their step Lambda (one state transition each), wait steps
are native Wait states. Three engine states (names start with "$", which step names may not) record the
status on the execution item through native DynamoDB tasks: the success path of N steps costs N + 2
transitions ("$mark running", the steps, "$record success"). Only states reachable from the start are
emitted: Step Functions refuses a definition with an unreachable state (MISSING_TRANSITION_TARGET), so a
workflow of wait steps only, or whose Lambda steps all continue on error, has no "$record failure".

Resume (POST .../retry with mode "resume") starts an execution whose input document carries
`"resume": {"at": "s<k>"}` and the recorded results of the steps before k, on an execution item the API wrote
as `running` (not `pending`). "$mark running" (conditional on `pending`) then fails, and its
ConditionalCheckFailed catcher leads to the "$resume" Choice, which jumps to step k. An ordinary execution
never enters the Choice (still N + 2); a resumed one costs the steps it runs + 3 ("$mark running", "$resume",
"$record success"). An execution cancelled before it began also fails "$mark running": with no resume marker
the Choice ends it at "$failed", as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow_engine.models.execution import ExecutionStatus
from workflow_engine.models.workflow import LAMBDA_STEP_TYPES, WaitStep
from workflow_engine.state_document import step_key
from workflow_engine.steps.errors import UnsafeTarget

MARK_RUNNING = "$mark running"
RECORD_SUCCESS = "$record success"
RECORD_FAILURE = "$record failure"
RECORD_TIMEOUT = "$record timeout"
FAILED = "$failed"
RESUME = "$resume"
RESUME_MARKER = "resume"  # the input document's key: {"at": "<step key>"}

# Raised with each change to the compiled machine's contract with the API; a workflow stores the revision its
# machine was compiled with (resume needs RESUMABLE_REVISION: the "$resume" Choice).
ASL_REVISION = 2
RESUMABLE_REVISION = 2

DYNAMODB_UPDATE = "arn:aws:states:::dynamodb:updateItem"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"

# Transient errors of the Lambda service itself (the function never ran): always retried, never logged.
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"


@dataclass(frozen=True)
class CompileTarget:
    """Where the compiled machine points: the step Lambda per step type and the executions table."""

    function_arns: Mapping[str, str]
    executions_table: str


def compile_workflow(workflow_id: str, user_id: str, steps: Sequence[Any], target: CompileTarget) -> dict[str, Any]:
    names = [step.name for step in steps]
    next_of = {name: (names[i + 1] if i + 1 < len(names) else RECORD_SUCCESS) for i, name in enumerate(names)}
    lambda_keys = [step_key(i) for i, step in enumerate(steps) if step.type in LAMBDA_STEP_TYPES]
    last_result = lambda_keys[-1] if lambda_keys else None

    states: dict[str, Any] = {
        MARK_RUNNING: _mark_running(user_id, target.executions_table, names[0]),
        RESUME: _resume_choice(names),
    }
    for index, step in enumerate(steps):
        if isinstance(step, WaitStep):
            states[step.name] = {"Type": "Wait", "Seconds": step.config.seconds, "Next": next_of[step.name]}
        else:
            earlier = {step_key(i): names[i] for i in range(index)}
            states[step.name] = _lambda_task(index, step, earlier, workflow_id, user_id, target, next_of[step.name])
    states[RECORD_SUCCESS] = _record_success(user_id, target.executions_table, last_result)
    states[RECORD_FAILURE] = _record_failure(user_id, target.executions_table, ExecutionStatus.FAILED)
    states[RECORD_TIMEOUT] = _record_failure(user_id, target.executions_table, ExecutionStatus.TIMED_OUT)
    states[FAILED] = {"Type": "Fail", "Error": "WorkflowFailed", "Cause": "A step failed; see the execution's error."}
    return {
        "Comment": f"Workflow {workflow_id} (compiled by the workflow engine; do not edit)",
        "QueryLanguage": "JSONPath",
        "StartAt": MARK_RUNNING,
        "States": reachable_states(states, MARK_RUNNING),
    }


def transitions_of(state: Mapping[str, Any]) -> list[str]:
    """Every state name ``state`` can go to: Next, Default, each Choice's and each Catch's Next."""
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def reachable_states(states: Mapping[str, Any], start: str) -> dict[str, Any]:
    """``states`` without those no path from ``start`` reaches, in their original order."""
    reached, pending = {start}, [start]
    while pending:
        for target in transitions_of(states[pending.pop()]):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    return {name: state for name, state in states.items() if name in reached}


def definition_json(asl: Mapping[str, Any]) -> str:
    return json.dumps(asl, separators=(",", ":"), ensure_ascii=False)


def _lambda_task(
    index: int,
    step: Any,
    earlier: dict[str, str],
    workflow_id: str,
    user_id: str,
    target: CompileTarget,
    next_state: str,
) -> dict[str, Any]:
    key = step_key(index)
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": target.function_arns[step.type],
            "Payload": {
                "execution_id.$": "$$.Execution.Name",
                "workflow_id": workflow_id,
                "user_id": user_id,
                "retry_count.$": "$$.State.RetryCount",
                "step": {
                    "key": key,
                    "name": step.name,
                    "type": step.type,
                    "config": step.config.model_dump(mode="json"),
                },
                "step_names": earlier,
                "document.$": "$",
            },
        },
        "ResultSelector": {"output.$": "$.Payload"},
        "ResultPath": f"$.results.{key}",
    }
    if step.timeout_seconds:
        state["TimeoutSeconds"] = step.timeout_seconds
    retriers: list[dict[str, Any]] = [
        {"ErrorEquals": LAMBDA_SERVICE_ERRORS, "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}
    ]
    if step.retry and step.retry.max_attempts > 1:
        retriers.append({"ErrorEquals": [UnsafeTarget.__name__], "MaxAttempts": 0})  # a refusal stays a refusal
        retriers.append(
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": step.retry.interval_seconds,
                "MaxAttempts": step.retry.max_attempts - 1,
                "BackoffRate": step.retry.backoff_rate,
            }
        )
    state["Retry"] = retriers
    if step.continue_on_error:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": f"$.results.{key}", "Next": next_state}]
    else:
        state["Catch"] = [
            {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": RECORD_TIMEOUT},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": RECORD_FAILURE},
        ]
    state["Next"] = next_state
    return state


def _update(
    table: str, expression: str, values: dict[str, Any], condition_from: Sequence[ExecutionStatus]
) -> dict[str, Any]:
    allowed = {f":from_{status.value}": {"S": status.value} for status in condition_from}
    names = {"#status": "status"}
    for token in expression.replace(",", " ").split():
        if token.startswith("#"):
            names[token] = token[1:]
    return {
        "Type": "Task",
        "Resource": DYNAMODB_UPDATE,
        "Parameters": {
            "TableName": table,
            "Key": {"execution_id": {"S.$": "$$.Execution.Name"}},
            "UpdateExpression": expression,
            "ConditionExpression": f"#status IN ({', '.join(allowed)})",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {**values, **allowed},
        },
        "ResultPath": None,
        "Retry": [
            {"ErrorEquals": [CONDITION_FAILED], "MaxAttempts": 0},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0},
        ],
    }


def _status_values(user_id: str, status: ExecutionStatus) -> dict[str, Any]:
    return {
        ":status": {"S": status.value},
        ":user_status": {"S": f"{user_id}#{status.value}"},
        ":now": {"S.$": "$$.State.EnteredTime"},
    }


def _mark_running(user_id: str, table: str, first_step: str) -> dict[str, Any]:
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now",
        _status_values(user_id, ExecutionStatus.RUNNING),
        [ExecutionStatus.PENDING],
    )
    # Not pending any more: a resumed execution (the API wrote it `running`), or one cancelled before it
    # began (nothing to record; "$resume" ends it as failed).
    state["Catch"] = [
        {"ErrorEquals": [CONDITION_FAILED], "ResultPath": None, "Next": RESUME},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED},
    ]
    state["Next"] = first_step
    return state


def _resume_choice(names: Sequence[str]) -> dict[str, Any]:
    """Jump to the step named by the input's resume marker; without one (cancelled before it began) fail."""
    at = f"$.{RESUME_MARKER}.at"
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": at, "IsPresent": False, "Next": FAILED},
            *({"Variable": at, "StringEquals": step_key(i), "Next": name} for i, name in enumerate(names)),
        ],
        "Default": FAILED,
    }


def _record_success(user_id: str, table: str, last_result: str | None) -> dict[str, Any]:
    values = _status_values(user_id, ExecutionStatus.COMPLETED)
    values[":result"] = {"S.$": f"States.JsonToString($.results.{last_result})"} if last_result else {"S": "{}"}
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now, #completed_at = :now, "
        "#final_result = :result",
        values,
        [ExecutionStatus.RUNNING],
    )
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED}]
    state["End"] = True
    return state


def _record_failure(user_id: str, table: str, status: ExecutionStatus) -> dict[str, Any]:
    values = _status_values(user_id, status)
    values[":error_code"] = {"S.$": "$.error.Error"}
    # The whole {"Error", "Cause"} document: Cause may be absent (e.g. some timeouts), the document never is.
    values[":error_cause"] = {"S.$": "States.JsonToString($.error)"}
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now, #completed_at = :now, "
        "#error_code = :error_code, #error_cause = :error_cause",
        values,
        [ExecutionStatus.PENDING, ExecutionStatus.RUNNING],
    )
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.record_error", "Next": FAILED}]
    state["Next"] = FAILED
    return state
