"""State transitions per workflow, counted from real execution histories (one per *StateEntered event).

Ours: the compiled machine of a workflow of N transform (Lambda) steps, run through the API. Budget: N + 3.
Anchor: a generic "interpreter loop" machine, one machine for every workflow, running the same steps through
one generic runner Lambda (which calls the same transform step handler, so each step does the same work and
writes the same log item). It is built and executed here, in the same moto, not computed:

    Start (Pass: cursor) -> Has next step? (Choice) -> Dispatch (Choice: wait -> native Wait, else)
        -> Run step (Task: runner Lambda, returns the state with the cursor advanced) -> Has next step? ...
    Has next step? (no) -> Done (Pass)

Start and Done stand for the "$mark running" and "$record success" DynamoDB tasks of the compiled machine
(a state each either way), so the anchor makes no status writes; it costs 3 transitions per step + 3.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from typing import Any

import boto3

from bench.harness import ACCOUNT, Api, execution_arn, history, state_transitions, transform_steps
from infra.local.provision import NAME_PREFIX, STATE_MACHINE_PREFIX, LocalResources

STEP_COUNTS = (1, 5, 10, 50)
RUNNER = "bench-interpreter-runner"
INTERPRETER = "bench-generic-interpreter"


def budget(steps: int) -> int:
    return steps + 3


def interpreter_definition(runner_arn: str) -> dict[str, Any]:
    return {
        "Comment": "Generic interpreter loop: one machine for every workflow (the anchor of bench/transitions.py)",
        "QueryLanguage": "JSONPath",
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Pass",
                "Parameters": {
                    "index": 0,
                    "count.$": "States.ArrayLength($.workflow.steps)",
                    "next_type.$": "$.workflow.steps[0].type",
                },
                "ResultPath": "$.cursor",
                "Next": "Has next step?",
            },
            "Has next step?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.cursor.index", "NumericLessThanPath": "$.cursor.count", "Next": "Dispatch"}
                ],
                "Default": "Done",
            },
            "Dispatch": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.cursor.next_type", "StringEquals": "wait", "Next": "Wait step"}],
                "Default": "Run step",
            },
            "Run step": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": runner_arn,
                    "Payload": {"execution_id.$": "$$.Execution.Name", "state.$": "$"},
                },
                "OutputPath": "$.Payload",
                "Next": "Has next step?",
            },
            "Wait step": {"Type": "Wait", "SecondsPath": "$.cursor.wait_seconds", "Next": "Run step"},
            "Done": {"Type": "Pass", "End": True},
        },
    }


def runner(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The generic step runner: runs the step at the cursor with the engine's own step handler, then advances."""
    import importlib

    state = event["state"]
    steps, index = state["workflow"]["steps"], state["cursor"]["index"]
    step = steps[index]
    key = f"step_{index}"
    results = dict(state.get("results") or {})
    if step["type"] != "wait":  # a wait step already waited in the native Wait state
        invocation = {
            "execution_id": event["execution_id"],
            "workflow_id": state["workflow"]["id"],
            "user_id": state["workflow"]["user_id"],
            "step": {"key": key, "name": step["name"], "type": step["type"], "config_json": json.dumps(step["config"])},
            "step_names": {f"step_{i}": s["name"] for i, s in enumerate(steps[:index])},
            "document": {"input": state["input"], "results": results},
        }
        handler = getattr(importlib.import_module("steps.handler"), step["type"])
        results[key] = {"output": handler(invocation, context)}
    following = steps[index + 1] if index + 1 < len(steps) else None
    cursor = {"index": index + 1, "count": len(steps), "next_type": following["type"] if following else None}
    if following and following["type"] == "wait":
        cursor["wait_seconds"] = following["config"]["seconds"]
    return {**state, "results": results, "cursor": cursor}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Runs in-process: bench.transitions.runner (infra/local/moto_seams.py).")
    return buffer.getvalue()


def _wait(sfn: Any, arn: str, timeout: float = 300.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"{arn} still running")
        time.sleep(0.02)


def run(
    resources: LocalResources, api: Api | None = None, step_counts: tuple[int, ...] = STEP_COUNTS
) -> dict[str, Any]:
    api = api or Api()
    region = resources.region
    sfn = boto3.client("stepfunctions", region_name=region)
    runner_arn = boto3.client("lambda", region_name=region).create_function(
        FunctionName=RUNNER,
        Runtime="python3.13",
        Role=f"arn:aws:iam::{ACCOUNT}:role/{NAME_PREFIX}-functions",
        Handler="bench.transitions.runner",
        Code={"ZipFile": _zip()},
        Timeout=30,
        MemorySize=512,
    )["FunctionArn"]
    interpreter_arn = sfn.create_state_machine(
        name=INTERPRETER, definition=json.dumps(interpreter_definition(runner_arn)), roleArn=resources.states_role_arn
    )["stateMachineArn"]

    rows = []
    for count in step_counts:
        steps = transform_steps(count)
        workflow_id = api.create_workflow(steps, name=f"{count} steps")
        started = time.perf_counter()
        execution_id = api.execute(workflow_id, {"n": count})
        ours = api.wait_terminal(execution_id, timeout=300)
        ours_seconds = time.perf_counter() - started
        assert ours["status"] == "completed", ours
        compiled = state_transitions(
            history(sfn, execution_arn(region, f"{STATE_MACHINE_PREFIX}{workflow_id}", execution_id))
        )

        document = {
            "workflow": {"id": workflow_id, "user_id": api.user_id, "steps": steps},
            "input": {"n": count},
            "results": {},
        }
        started = time.perf_counter()
        arn = sfn.start_execution(stateMachineArn=interpreter_arn, name=str(uuid.uuid4()), input=json.dumps(document))[
            "executionArn"
        ]
        status = _wait(sfn, arn)
        interpreter_seconds = time.perf_counter() - started
        assert status == "SUCCEEDED", sfn.describe_execution(executionArn=arn)
        generic = state_transitions(history(sfn, arn))
        rows.append(
            {
                "lambda_steps": count,
                "transitions": compiled,
                "budget": budget(count),
                "within_budget": compiled <= budget(count),
                "interpreter_transitions": generic,
                "interpreter_to_ours": round(generic / compiled, 2),
                "local_seconds": round(ours_seconds, 2),
                "interpreter_local_seconds": round(interpreter_seconds, 2),
            }
        )
    return {"rows": rows, "held": all(row["within_budget"] for row in rows)}
