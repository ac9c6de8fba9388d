"""Resume vs an ordinary execution: state transitions and step Lambda invocations, from real execution histories.

A workflow of N = 5 transform steps whose 4th step fails on the original input (`abs()` of a string). Measured:
an ordinary (successful) execution, the failed original, and its `resume` with a corrected input, which starts at
step 4 with the outputs of steps 1-3 reused. Budgets: ordinary N + 2; resumed (steps it runs) + 3.

`python -m bench.resume` runs this section alone (and prints it); `make bench` runs it with the others.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from bench.harness import Api, execution_arn, history, state_transitions
from infra.local.provision import STATE_MACHINE_PREFIX, LocalResources

STEPS = 5
FAILING_STEP = 4  # 1-based


def workflow_steps() -> list[dict[str, Any]]:
    steps = [{"name": f"Step {i + 1}", "type": "transform", "config": {"expression": "input"}} for i in range(STEPS)]
    steps[FAILING_STEP - 1]["config"] = {"expression": "abs(input.n)"}
    return steps


def _lambda_invocations(events: list[dict[str, Any]]) -> int:
    return sum(
        1
        for event in events
        if event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
    )


def run(resources: LocalResources, api: Api | None = None) -> dict[str, Any]:
    api = api or Api()
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    workflow_id = api.create_workflow(workflow_steps(), name="resume bench")
    machine = f"{STATE_MACHINE_PREFIX}{workflow_id}"

    def measured(execution_id: str) -> dict[str, Any]:
        events = history(sfn, execution_arn(resources.region, machine, execution_id))
        return {"transitions": state_transitions(events), "lambda_invocations": _lambda_invocations(events)}

    ordinary_id = api.execute(workflow_id, {"n": -1})
    assert api.wait_terminal(ordinary_id)["status"] == "completed"
    failed_id = api.execute(workflow_id, {"n": "not a number"})
    assert api.wait_terminal(failed_id)["status"] == "failed"
    status, body, _ = api.call(
        "POST",
        "/api/workflows/executions/{execution_id}/retry",
        {"mode": "resume", "input_data": {"n": -2}},
        execution_id=failed_id,
    )
    assert status == 202, body
    resumed = api.wait_terminal(body["execution_id"])
    assert resumed["status"] == "completed", resumed
    _, logs, _ = api.call("GET", "/api/workflows/executions/{execution_id}/logs", execution_id=body["execution_id"])

    steps_run = STEPS - FAILING_STEP + 1
    ordinary, original, resume = measured(ordinary_id), measured(failed_id), measured(body["execution_id"])
    result = {
        "steps": STEPS,
        "failing_step": FAILING_STEP,
        "steps_run_by_resume": steps_run,
        "ordinary": {**ordinary, "budget": STEPS + 2},
        "failed_original": original,
        "resumed": {**resume, "budget": steps_run + 3, "reused_log_entries": sum(1 for log in logs if log["reused"])},
    }
    result["held"] = ordinary["transitions"] <= STEPS + 2 and resume["transitions"] <= steps_run + 3
    return result


if __name__ == "__main__":
    from bench.harness import in_process_stack

    with in_process_stack() as stack_resources:
        print(json.dumps(run(stack_resources), indent=2))
