"""Workflow definition -> Amazon States Language (JSONPath), a pure and deterministic function.

One state per step, named by the step, so the console's execution graph is the user's own workflow. The
steps form a tree (workflow_engine.models.step_tree: path keys `s0`, `s1`, ..., nested `s3_b1_s0`); the compiler
walks it, and each step is compiled by the kind registered for its type (workflow_engine.asl.registry: a
Lambda Task for transform/http/ai, one state transition each; a native Wait for wait), through the one
interface of workflow_engine.asl.kinds. A step's result goes to `$.results.<path key>` of the state document.

Three engine states (names start with "$", which step names may not) record the status on the execution
item through native DynamoDB tasks: the success path of N steps costs N + 2 transitions ("$mark running",
the steps, "$record success"). Only states reachable from the start are emitted: Step Functions refuses a
definition with an unreachable state (MISSING_TRANSITION_TARGET), so a workflow of wait steps only, or whose
Lambda steps all continue on error, has no "$record failure". No key a user wrote ever ends in `.$` in the
emitted machine (configs travel as JSON text: workflow_engine.asl.task); compile_workflow checks it.

Resume (POST .../retry with mode "resume") starts an execution whose input document carries
`"resume": {"at": "<top-level path key>"}` and the recorded results of the steps before it, on an execution
item the API wrote as `running` (not `pending`). "$mark running" (conditional on `pending`) then fails, and
its ConditionalCheckFailed catcher leads to the "$resume" Choice, which jumps to that step. An ordinary
execution never enters the Choice (still N + 2); a resumed one costs the steps it runs + 3 ("$mark running",
"$resume", "$record success"). An execution cancelled before it began also fails "$mark running": with no
resume marker the Choice ends it at "$failed", as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from workflow_engine.asl import (
    approval,  # noqa: F401 (importing it registers the approval kind)
    engine_states,
)
from workflow_engine.asl.blocks import branch_output_keys  # (importing it registers the block kinds)
from workflow_engine.asl.kinds import CompileTarget, Scope
from workflow_engine.asl.machine import MachineCompiler, check_engine_paths_only, reachable_states, transitions_of
from workflow_engine.asl.names import (
    ASL_REVISION,
    CONDITION_FAILED,
    DYNAMODB_UPDATE,
    FAILED,
    LAMBDA_INVOKE,
    LAMBDA_SERVICE_ERRORS,
    MARK_RUNNING,
    RECORD_FAILURE,
    RECORD_SUCCESS,
    RECORD_TIMEOUT,
    RESUMABLE_REVISION,
    RESUME,
    RESUME_MARKER,
)
from workflow_engine.asl.registry import entry_state, kind_of
from workflow_engine.models.execution import ExecutionStatus
from workflow_engine.models.step_tree import StepTree

__all__ = [
    "ASL_REVISION",
    "CONDITION_FAILED",
    "DYNAMODB_UPDATE",
    "FAILED",
    "LAMBDA_INVOKE",
    "LAMBDA_SERVICE_ERRORS",
    "MARK_RUNNING",
    "RECORD_FAILURE",
    "RECORD_SUCCESS",
    "RECORD_TIMEOUT",
    "RESUMABLE_REVISION",
    "RESUME",
    "RESUME_MARKER",
    "CompileTarget",
    "compile_workflow",
    "definition_json",
    "last_result_key",
    "reachable_states",
    "transitions_of",
]


def compile_workflow(workflow_id: str, user_id: str, steps: Sequence[Any], target: CompileTarget) -> dict[str, Any]:
    tree = StepTree(steps)
    scope = Scope(
        workflow_id=workflow_id,
        user_id=user_id,
        target=target,
        tree=tree,
        compiler=MachineCompiler(),
        on_failure=RECORD_FAILURE,
        on_timeout=RECORD_TIMEOUT,
    )
    table = target.executions_table
    states: dict[str, Any] = {
        MARK_RUNNING: engine_states.mark_running(user_id, table, entry_state(tree.top[0])),
        RESUME: engine_states.resume_choice({node.key: entry_state(node) for node in tree.top}),
    }
    states.update(scope.compiler.chain(tree.top, scope, RECORD_SUCCESS))
    waits = any(node.step.type == "approval" for node in tree.walk())  # its terminal writes remove the waits
    states[RECORD_SUCCESS] = engine_states.record_success(user_id, table, last_result_key(tree), waits)
    states[RECORD_FAILURE] = engine_states.record_failure(user_id, table, ExecutionStatus.FAILED, waits)
    states[RECORD_TIMEOUT] = engine_states.record_failure(user_id, table, ExecutionStatus.TIMED_OUT, waits)
    states[FAILED] = {"Type": "Fail", "Error": "WorkflowFailed", "Cause": "A step failed; see the execution's error."}
    asl = {
        "Comment": f"Workflow {workflow_id} (compiled by the workflow engine; do not edit)",
        "QueryLanguage": "JSONPath",
        "StartAt": MARK_RUNNING,
        "States": reachable_states(states, MARK_RUNNING),
    }
    check_engine_paths_only(asl, frozenset(branch_output_keys(tree)))
    return asl


def last_result_key(tree: StepTree) -> str | None:
    """The path key of the last top-level step that leaves a result: the execution's output."""
    keys = [node.key for node in tree.top if kind_of(node.step).produces_result]
    return keys[-1] if keys else None


def definition_json(asl: Mapping[str, Any]) -> str:
    return json.dumps(asl, separators=(",", ":"), ensure_ascii=False)
