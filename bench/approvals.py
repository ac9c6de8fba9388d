"""A run waiting for a person: state transitions and Lambda invocations, from real execution histories.

A workflow of a transform step, an approval and a transform step. Measured on one run:
- while it waits: the transitions and Lambda invocations its history gains between the moment the approval waits
  (its `waiting_for` shows) and `idle_seconds` later, before anyone decides. Expected (the budget): none. The
  approval's Lambda stores the task token and returns before the wait begins; Step Functions holds the Task
  itself, and bills its transitions, not its time;
- decided: the whole run's transitions and Lambda invocations once approved and completed (the approval's Task is
  one transition and one Lambda invocation, as a Lambda step: N + 2 for N steps).

`python -m bench.approvals` runs this section alone (and prints it); `make bench` runs it with the others.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from bench.harness import Api, execution_arn, history, in_process_stack, state_transitions
from infra.local.provision import STATE_MACHINE_PREFIX, LocalResources

IDLE_SECONDS = 2.0
STEPS = [
    {"name": "Load", "type": "transform", "config": {"expression": "input"}},
    {"name": "Sign off", "type": "approval", "config": {"message": "Pay {{ input.amount }}?"}},
    {"name": "Pay", "type": "transform", "config": {"expression": 'steps."Sign off".output.decision'}},
]


def lambda_invocations(events: list[dict[str, Any]]) -> int:
    return sum(
        1
        for event in events
        if event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
    )


def run(resources: LocalResources, api: Api | None = None, idle_seconds: float = IDLE_SECONDS) -> dict[str, Any]:
    api = api or Api()
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    workflow_id = api.create_workflow(STEPS, name="approval bench")
    execution_id = api.execute(workflow_id, {"amount": 10})
    arn = execution_arn(resources.region, f"{STATE_MACHINE_PREFIX}{workflow_id}", execution_id)
    deadline = time.monotonic() + 60
    while True:
        status, body, _ = api.call("GET", "/api/workflows/executions/{execution_id}", execution_id=execution_id)
        assert status == 200, body
        if body["waiting_for"]:
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.02)
    waiting = history(sfn, arn)
    time.sleep(idle_seconds)  # a person reads the message (no Lambda runs, no transition is taken)
    idle = history(sfn, arn)
    status, body, _ = api.call(
        "POST",
        "/api/workflows/executions/{execution_id}/approvals/{step_name}",
        {"decision": "approve"},
        execution_id=execution_id,
        step_name="Sign off",
    )
    assert status == 200, body
    final = api.wait_terminal(execution_id)
    assert final["status"] == "completed", final
    decided = history(sfn, arn)
    while_waiting = {
        "transitions": state_transitions(idle) - state_transitions(waiting),
        "lambda_invocations": lambda_invocations(idle) - lambda_invocations(waiting),
        "idle_seconds": idle_seconds,
    }
    return {
        "steps": len(STEPS),
        "while_waiting": while_waiting,
        "decided": {"transitions": state_transitions(decided), "lambda_invocations": lambda_invocations(decided)},
        "budget": "0 transitions and 0 Lambda invocations while waiting",
        "held": while_waiting["transitions"] == 0 and while_waiting["lambda_invocations"] == 0,
    }


if __name__ == "__main__":
    with in_process_stack() as stack:
        print(json.dumps(run(stack), indent=2))
