"""The Lambda task kind (transform, http, ai steps) and the one builder of a step Lambda's Task state.

The builder's rule: nothing a user wrote is ever a key of the Task's `Parameters`. Step Functions evaluates
every key ending in `.$` there as a path or an intrinsic function (`{"X-Role.$": "$$.Execution.RoleArn"}`
in a header would send the machine's role ARN), and never a string value. So the step's config travels as
one string, `config_json` (its compact JSON text), parsed back by workflow_engine.steps.runtime: it reaches
the step exactly as written. The only `.$` keys are the engine's own (names.ENGINE_PATH_KEYS).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workflow_engine.asl.kinds import StepContext
from workflow_engine.asl.names import (
    CONTINUED_PREFIX,
    LAMBDA_INVOKE,
    LAMBDA_SERVICE_ERRORS,
    result_path,
)
from workflow_engine.models.step_errors import UnsafeTarget
from workflow_engine.models.step_tree import is_top_level
from workflow_engine.models.workflow_rules import in_map


def inert_json(value: Any) -> str:
    """User data as JSON text: a string value, which Step Functions passes on uninterpreted."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # key order kept


def step_payload(context: StepContext, workflow_id: str, user_id: str) -> dict[str, Any]:
    """The payload a step Lambda receives (workflow_engine.steps.runtime.StepInvocation).

    A step nested in a block also names that block (`parent_step`, static) and, inside a map's iteration, the
    iteration's index (`iteration.$`: the `index` of the iteration document, asl.blocks.MapKind; in a map
    nested in a map, the innermost one's). A top-level step's payload has neither (null in its log), so the
    machines of linear workflows are unchanged."""
    step = context.step
    return {
        **_placement(context),
        "execution_id.$": "$$.Execution.Name",
        "workflow_id": workflow_id,
        "user_id": user_id,
        "retry_count.$": "$$.State.RetryCount",
        "step": {
            "key": context.key,
            "name": step.name,
            "type": step.type,
            "config_json": inert_json(step.config.model_dump(mode="json")),
        },
        "step_names": context.visible_names(),
        "document.$": "$",
    }


def _placement(context: StepContext) -> dict[str, Any]:
    tree = context.scope.tree
    parent = tree.parent(context.node)
    if parent is None:
        return {}
    placement: dict[str, Any] = {"parent_step": parent.name}
    if in_map(tree, context.node):
        placement["iteration.$"] = "$.index"
    return placement


def lambda_task(function_arn: str, payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A Task invoking a step Lambda with `payload`, its result stored at `$.results.<key>`."""
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload": dict(payload)},
        "ResultSelector": {"output.$": "$.Payload"},
        "ResultPath": result_path(key),
    }


def retriers(step: Any) -> list[dict[str, Any]]:
    """Lambda service errors always; the step's own retry policy (never for a refused target)."""
    rules: list[dict[str, Any]] = [
        {"ErrorEquals": LAMBDA_SERVICE_ERRORS, "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}
    ]
    if step.retry and step.retry.max_attempts > 1:
        rules.append({"ErrorEquals": [UnsafeTarget.__name__], "MaxAttempts": 0})  # a refusal stays a refusal
        rules.append(
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": step.retry.interval_seconds,
                "MaxAttempts": step.retry.max_attempts - 1,
                "BackoffRate": step.retry.backoff_rate,
            }
        )
    return rules


def continued_state_name(key: str) -> str:
    return f"{CONTINUED_PREFIX}{key}"


def catchers(context: StepContext) -> list[dict[str, Any]] | None:
    """continue_on_error: the error becomes the step's result (inside a block, through `continued_states`);
    else the scope's failure states (none inside a sub-machine: the error propagates to the block)."""
    if context.step.continue_on_error:
        after = context.after if is_top_level(context.key) else continued_state_name(context.key)
        return [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path(context.key), "Next": after}]
    scope = context.scope
    rules = []
    if scope.on_timeout is not None:
        rules.append({"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": scope.on_timeout})
    if scope.on_failure is not None:
        rules.append({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": scope.on_failure})
    return rules or None


def continued_states(context: StepContext) -> dict[str, Any]:
    """For a step inside a block that continues on error: a Pass the Catch goes to, adding `"output": null` to
    the error result, so the block reads `$.results.<key>.output` on every path (a missing path would fail
    the run with States.Runtime). It costs one transition, on the error path only."""
    if not context.step.continue_on_error or is_top_level(context.key):
        return {}
    state = {"Type": "Pass", "Result": None, "ResultPath": f"{result_path(context.key)}.output"}
    return {continued_state_name(context.key): context.continue_to(state)}


class LambdaTaskKind:
    """A step run by its type's Lambda: one Task state, one transition per attempt."""

    produces_result = True
    writes_logs = True

    def compile(self, context: StepContext) -> dict[str, Any]:
        step, scope = context.step, context.scope
        payload = step_payload(context, scope.workflow_id, scope.user_id)
        state = lambda_task(scope.target.function_arns[step.type], payload, context.key)
        if step.timeout_seconds:
            state["TimeoutSeconds"] = step.timeout_seconds
        state["Retry"] = retriers(step)
        catch = catchers(context)
        if catch:
            state["Catch"] = catch
        return {step.name: context.continue_to(state), **continued_states(context)}
