"""The engine's own states around the user's steps: status writes on the execution item (native DynamoDB
tasks, each conditional on the status it moves from) and the `$resume` Choice (see workflow_engine.asl.compiler)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow_engine.asl.names import CONDITION_FAILED, DYNAMODB_UPDATE, FAILED, RESUME, RESUME_MARKER, result_path
from workflow_engine.models.lifecycle import ExecutionStatus, allowed_from, user_status_key


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
        ":user_status": {"S": user_status_key(user_id, status)},
        ":now": {"S.$": "$$.State.EnteredTime"},
    }


def mark_running(user_id: str, table: str, first_step: str) -> dict[str, Any]:
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now",
        _status_values(user_id, ExecutionStatus.RUNNING),
        allowed_from(ExecutionStatus.RUNNING),
    )
    # Not pending any more: a resumed execution (the API wrote it `running`), or one cancelled before it
    # began (nothing to record; "$resume" ends it as failed).
    state["Catch"] = [
        {"ErrorEquals": [CONDITION_FAILED], "ResultPath": None, "Next": RESUME},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED},
    ]
    state["Next"] = first_step
    return state


def resume_choice(entries: Mapping[str, str]) -> dict[str, Any]:
    """Jump to the top-level step named by the input's resume marker (by path key; `entries`: each top-level
    key -> the state its step starts at, registry.entry_state); without one (cancelled before it began) fail.
    A failure inside a block resumes at that block."""
    at = f"$.{RESUME_MARKER}.at"
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": at, "IsPresent": False, "Next": FAILED},
            *({"Variable": at, "StringEquals": key, "Next": entry} for key, entry in entries.items()),
        ],
        "Default": FAILED,
    }


# A terminal write of a workflow with approval steps also removes its pending approval waits, tokens included
# (data.approvals): a timed-out or abandoned wait never outlives its execution.
REMOVE_APPROVALS = " REMOVE #approvals"


def record_success(user_id: str, table: str, last_result: str | None, clears_approvals: bool = False) -> dict[str, Any]:
    values = _status_values(user_id, ExecutionStatus.COMPLETED)
    values[":result"] = {"S.$": f"States.JsonToString({result_path(last_result)})"} if last_result else {"S": "{}"}
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now, #completed_at = :now, "
        "#final_result = :result" + (REMOVE_APPROVALS if clears_approvals else ""),
        values,
        allowed_from(ExecutionStatus.COMPLETED),
    )
    # The machine's output carries the execution's output_data as `final.result.output` (null when the last step left
    # none), read back from the item just written: a parent's workflow step (asl.child) takes it from there.
    state["Parameters"]["ReturnValues"] = "UPDATED_NEW"
    state["ResultSelector"] = {"result.$": FINAL_OUTPUT}
    state["ResultPath"] = "$.final"
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED}]
    state["End"] = True
    return state


# {"output": null} merged with the recorded result document ({"output": ...}, or {"Error", "Cause"} from a last
# step that continued on error, or {} without one): always an object with `output`. The literal travels as base64
# (asl.map_guard.intrinsic_text: braces would need escapes Step Functions and moto read differently).
_NO_OUTPUT = "States.StringToJson(States.Base64Decode('eyJvdXRwdXQiOm51bGx9'))"  # {"output":null}
FINAL_OUTPUT = f"States.JsonMerge({_NO_OUTPUT}, States.StringToJson($.Attributes.final_result.S), false)"


def record_failure(user_id: str, table: str, status: ExecutionStatus, clears_approvals: bool = False) -> dict[str, Any]:
    values = _status_values(user_id, status)
    values[":error_code"] = {"S.$": "$.error.Error"}
    # The whole {"Error", "Cause"} document: Cause may be absent (e.g. some timeouts), the document never is.
    values[":error_cause"] = {"S.$": "States.JsonToString($.error)"}
    state = _update(
        table,
        "SET #status = :status, #user_status = :user_status, #updated_at = :now, #completed_at = :now, "
        "#error_code = :error_code, #error_cause = :error_cause" + (REMOVE_APPROVALS if clears_approvals else ""),
        values,
        allowed_from(status),
    )
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.record_error", "Next": FAILED}]
    state["Next"] = FAILED
    return state
