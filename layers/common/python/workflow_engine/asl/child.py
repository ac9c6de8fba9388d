"""The workflow kind: a step that runs one of the caller's workflows as a child execution (`startExecution.sync:2`).

The step's state (named by the step) is a Parallel of one branch, so the step's Retry and Catch cover the whole
start of a child (a retry starts a new child, under a new id: an execution name is never reused):

    "$child workflow <key>"  dynamodb:getItem  the child workflow's current version and machine (by owner and id)
    "$child check <key>"     Choice            no such workflow -> "$child missing <key>" (Fail WorkflowNotFound);
                                               this execution at MAX_DEPTH -> "$child too deep <key>"
                                               (Fail WorkflowDepthExceeded); a top-level one -> "$child top <key>"
    "$child top <key>"       Pass              a top-level execution is level 1 (`$.depth`, inside the branch only)
    "$child prepare <key>"   Lambda            the workflow step's function: the child's id and rendered input,
                                               logged as the step's attempt (steps.child_input)
    "$child record <key>"    dynamodb:putItem  the child's execution item, `pending`, exactly as the API writes one
                                               (plus parent_execution_id and the by-parent index key)
    "$child run <key>"       startExecution.sync:2 on the child's published version, named by the child's id; its
                             output is the child's `output_data` (every machine ends with it in `$.final`, asl.
                             engine_states.record_success)

The child's input document carries `depth` (its level: a top-level execution is 1); a child at level MAX_DEPTH
cannot start another. A failed, timed-out or stopped child fails the step with `States.TaskFailed` (its Cause is the
child's DescribeExecution, naming the child's error); `retry` and `continue_on_error` apply as to any step.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.asl.kinds import StepContext
from workflow_engine.asl.map_guard import intrinsic_text
from workflow_engine.asl.names import (
    CHILD_PREFIX,
    CONDITION_FAILED,
    DYNAMODB_GET,
    DYNAMODB_PUT,
    LAMBDA_SERVICE_ERRORS,
    SFN_START_SYNC,
    result_path,
)
from workflow_engine.asl.task import catchers, continued_states, lambda_task, retriers, step_payload
from workflow_engine.data.executions import user_workflow_key
from workflow_engine.models.execution import CHILD_DEPTH_EXCEEDED, CHILD_WORKFLOW_NOT_FOUND
from workflow_engine.models.lifecycle import ExecutionStatus, user_status_key
from workflow_engine.models.nesting_limits import MAX_CHILD_DEPTH
from workflow_engine.models.run_trigger import TriggerType

MAX_DEPTH = MAX_CHILD_DEPTH  # levels of nesting at run time: a top-level execution is level 1
DEPTH_EXCEEDED = CHILD_DEPTH_EXCEEDED
WORKFLOW_NOT_FOUND = CHILD_WORKFLOW_NOT_FOUND
CHILD = "$.child"
STARTED_BY = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
ROLES = ("workflow", "check", "top", "missing", "too deep", "prepare", "record", "run")  # "$child <role> <key>"


def child_state(role: str, key: str) -> str:
    return f"{CHILD_PREFIX}{role} {key}"


class ChildWorkflowKind:
    produces_result = True
    writes_logs = True

    def compile(self, context: StepContext) -> dict[str, Any]:
        step, scope, key = context.step, context.scope, context.key
        user_id, child_id = scope.user_id, step.config.workflow_id
        names = {role: child_state(role, key) for role in ROLES}
        prepare = lambda_task(
            scope.target.function_arns[step.type], step_payload(context, scope.workflow_id, user_id), key
        )
        prepare["ResultSelector"] = {"execution_id.$": "$.Payload.execution_id", "input.$": "$.Payload.input"}
        prepare["ResultPath"] = f"{CHILD}.prepared"
        prepare["Retry"] = [
            {"ErrorEquals": LAMBDA_SERVICE_ERRORS, "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}
        ]
        prepare["Next"] = names["record"]
        run: dict[str, Any] = {
            "Type": "Task",
            "Resource": SFN_START_SYNC,
            "Parameters": {
                "StateMachineArn.$": f"{CHILD}.workflow.Item.state_machine_version_arn.S",
                "Name.$": f"{CHILD}.prepared.execution_id",
                "Input": {
                    "input.$": f"{CHILD}.prepared.input",
                    "results": {},
                    "depth.$": "States.MathAdd($.depth, 1)",
                    # the console links the child to its parent execution (AWS's documented parameter)
                    f"{STARTED_BY}.$": "$$.Execution.Id",
                },
            },
            "ResultSelector": {"output.$": "$.Output.final.result.output"},
            "End": True,
        }
        if step.timeout_seconds:
            run["TimeoutSeconds"] = step.timeout_seconds
        states = {
            names["workflow"]: _workflow_lookup(scope.target.workflows_table, user_id, child_id, names["check"]),
            names["check"]: {
                "Type": "Choice",
                "Choices": [
                    {"Variable": f"{CHILD}.workflow.Item", "IsPresent": False, "Next": names["missing"]},
                    {
                        "And": [
                            {"Variable": "$.depth", "IsPresent": True},
                            {"Variable": "$.depth", "NumericGreaterThanEquals": MAX_DEPTH},
                        ],
                        "Next": names["too deep"],
                    },
                    {"Variable": "$.depth", "IsPresent": False, "Next": names["top"]},
                ],
                "Default": names["prepare"],
            },
            names["top"]: {"Type": "Pass", "Result": 1, "ResultPath": "$.depth", "Next": names["prepare"]},
            names["missing"]: {
                "Type": "Fail",
                "Error": WORKFLOW_NOT_FOUND,
                "Cause": f"The workflow {child_id} this step runs no longer exists.",
            },
            names["too deep"]: {
                "Type": "Fail",
                "Error": DEPTH_EXCEEDED,
                "Cause": f"Workflows may nest at most {MAX_DEPTH} levels deep; this step would start level "
                f"{MAX_DEPTH + 1}.",
            },
            names["prepare"]: prepare,
            names["record"]: _record_child(scope.target.executions_table, user_id, child_id, names["run"]),
            names["run"]: run,
        }
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": [{"StartAt": names["workflow"], "States": states}],
            "ResultSelector": {"output.$": "$[0].output"},
            "ResultPath": result_path(key),
        }
        rules = retriers(step)[1:]  # the Lambda service errors are retried by "$child prepare" itself
        if rules:
            state["Retry"] = [{"ErrorEquals": [WORKFLOW_NOT_FOUND, DEPTH_EXCEEDED], "MaxAttempts": 0}, *rules]
        catch = catchers(context)
        if catch:
            state["Catch"] = catch
        return {step.name: context.continue_to(state), **continued_states(context)}


def _dynamodb_retry() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}]


def _workflow_lookup(table: str, user_id: str, workflow_id: str, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": DYNAMODB_GET,
        "Parameters": {
            "TableName": table,
            "Key": {"user_id": {"S": user_id}, "workflow_id": {"S": workflow_id}},
            "ProjectionExpression": "#version, state_machine_arn, state_machine_version_arn",
            "ExpressionAttributeNames": {"#version": "version"},
        },
        "ResultPath": f"{CHILD}.workflow",
        "Retry": _dynamodb_retry(),
        "Next": next_state,
    }


def _record_child(table: str, user_id: str, workflow_id: str, next_state: str) -> dict[str, Any]:
    """The child's execution item as ExecutionRepository.create writes one (`pending`), with its parent."""
    now = {"S.$": "$$.State.EnteredTime"}
    item = {
        "execution_id": {"S.$": f"{CHILD}.prepared.execution_id"},
        "user_id": {"S": user_id},
        "workflow_id": {"S": workflow_id},
        "workflow_version": {"N.$": f"{CHILD}.workflow.Item.version.N"},
        "state_machine_arn": {"S.$": f"{CHILD}.workflow.Item.state_machine_arn.S"},
        "state_machine_version_arn": {"S.$": f"{CHILD}.workflow.Item.state_machine_version_arn.S"},
        "status": {"S": ExecutionStatus.PENDING.value},
        "user_status": {"S": user_status_key(user_id, ExecutionStatus.PENDING)},
        "user_workflow": {"S": user_workflow_key(user_id, workflow_id)},
        "input_data": {"S.$": f"States.JsonToString({CHILD}.prepared.input)"},
        "started_at": now,
        "updated_at": now,
        "parent_execution_id": {"S.$": "$$.Execution.Name"},
        "trigger_type": {"S": TriggerType.WORKFLOW.value},  # models.run_trigger: started by its parent
        "trigger_id": {"S.$": "$$.Execution.Name"},
        "runs_children": {"BOOL": True},  # its workflow may hold workflow steps (a cancel then looks for them)
        # "<user>#<parent id>" (the by-parent index key), the user's id as data, never as template text
        "user_parent": {"S.$": f"States.Format('{{}}#{{}}', {intrinsic_text(user_id)}, $$.Execution.Name)"},
    }
    return {
        "Type": "Task",
        "Resource": DYNAMODB_PUT,
        "Parameters": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(execution_id)",
        },
        "ResultPath": None,
        "Retry": [{"ErrorEquals": [CONDITION_FAILED], "MaxAttempts": 0}, *_dynamodb_retry()],
        "Next": next_state,
    }
