"""The approval kind: a Task that invokes the approval Lambda with the task token and waits for a decision.

    {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
     "Parameters": {"FunctionName": <approval function>,
                    "Payload": {<the step payload>, "task_token.$": "$$.Task.Token"}},
     "TimeoutSeconds": <config.timeout_seconds>, "ResultSelector": {"output.$": "$"},
     "ResultPath": "$.results.<key>"}

The Lambda stores the token and returns at once (steps.approval); the state then waits, no Lambda running, until
SendTaskSuccess (the result: the decision document, models.approvals.ApprovalOutput), SendTaskFailure (the error
`ApprovalRejected`) or its TimeoutSeconds (`States.Timeout`). Retry and Catch are a Lambda task's (asl.task): the
Lambda service's own errors are retried, then the step's `retry` and `continue_on_error` apply to a rejection and
to a timeout alike. One transition per attempt, as a Lambda step.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.asl.kinds import StepContext
from workflow_engine.asl.names import LAMBDA_INVOKE_WAIT, TASK_TOKEN_KEY, result_path
from workflow_engine.asl.registry import register_kind
from workflow_engine.asl.task import catchers, continued_states, retriers, step_payload


class ApprovalKind:
    produces_result = True
    writes_logs = True

    def compile(self, context: StepContext) -> dict[str, Any]:
        step, scope = context.step, context.scope
        payload = {**step_payload(context, scope.workflow_id, scope.user_id), TASK_TOKEN_KEY: "$$.Task.Token"}
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE_WAIT,
            "Parameters": {"FunctionName": scope.target.function_arns[step.type], "Payload": payload},
            "TimeoutSeconds": step.config.timeout_seconds,
            "ResultSelector": {"output.$": "$"},
            "ResultPath": result_path(context.key),
            "Retry": retriers(step),
        }
        catch = catchers(context)
        if catch:
            state["Catch"] = catch
        return {step.name: context.continue_to(state), **continued_states(context)}


register_kind("approval", ApprovalKind())
