"""A parent with one child (a `workflow` step): state transitions and step Lambda invocations of each execution,
from real execution histories in moto, next to the same work done inline (the child's steps in the parent).

The parent runs one workflow step whose child runs CHILD_STEPS transform steps. The parent's own cost of the step is
its transitions (the step's Parallel and its branch: look up the child workflow, the depth Choice, for a top-level
parent the Pass setting its level, the prepare Lambda, the child's item, the `.sync:2` start) and one Lambda
invocation (the prepare function, which logs the step); the child costs what any execution of its workflow costs.
"""

from __future__ import annotations

from typing import Any

import boto3

from bench.harness import Api, execution_arn, history, state_transitions, transform_steps
from infra.local.provision import STATE_MACHINE_PREFIX, LocalResources

CHILD_STEPS = 3


def _lambda_invocations(events: list[dict[str, Any]]) -> int:
    return sum(
        1
        for event in events
        if event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
    )


def run(resources: LocalResources, api: Api | None = None, child_steps: int = CHILD_STEPS) -> dict[str, Any]:
    api = api or Api()
    sfn = boto3.client("stepfunctions", region_name=resources.region)

    def measured(workflow_id: str, execution_id: str) -> dict[str, Any]:
        arn = execution_arn(resources.region, f"{STATE_MACHINE_PREFIX}{workflow_id}", execution_id)
        events = history(sfn, arn)
        return {"transitions": state_transitions(events), "lambda_invocations": _lambda_invocations(events)}

    child_id = api.create_workflow(transform_steps(child_steps), name="bench child")
    parent_id = api.create_workflow(
        [{"name": "Run child", "type": "workflow", "config": {"workflow_id": child_id}}], name="bench parent"
    )
    inline_id = api.create_workflow(transform_steps(child_steps), name="bench inline")
    parent_execution = api.execute(parent_id, {"n": 1})
    final = api.wait_terminal(parent_execution, timeout=120)
    assert final["status"] == "completed", final
    _, children, _ = api.call("GET", "/api/workflows/executions", query=f"parent_execution_id={parent_execution}")
    (child,) = children
    inline_execution = api.execute(inline_id, {"n": 1})
    assert api.wait_terminal(inline_execution, timeout=120)["status"] == "completed"
    parent, child_cost = measured(parent_id, parent_execution), measured(child_id, child["id"])
    inline = measured(inline_id, inline_execution)
    return {
        "child_steps": child_steps,
        "parent": parent,
        "child": child_cost,
        "total": {key: parent[key] + child_cost[key] for key in parent},
        "inline": inline,
    }


def section(data: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    rows = [
        ("parent (one workflow step)", data["parent"]),
        (f"child ({data['child_steps']} transform steps)", data["child"]),
        ("parent + child", data["total"]),
        (f"the same {data['child_steps']} steps inline (no child)", data["inline"]),
    ]
    lines = "".join(f"| {name} | {cost['transitions']} | {cost['lambda_invocations']} |\n" for name, cost in rows)
    return (
        "`bench/children.py`: one execution of a parent whose only step runs a child workflow, from the real "
        "histories of both executions in moto.\n\n"
        "| execution | state transitions | step Lambda invocations |\n| --- | --- | --- |\n"
        f"{lines}\n"
        "A workflow step costs its parent the step's Parallel and branch states (the child workflow's lookup, the "
        "depth check, the prepare Lambda that logs the step, the child's item, the `.sync:2` start) and one Lambda "
        "invocation; the child costs what any execution of its workflow costs (its own `$mark running` and "
        "`$record success`). Step Functions also follows a `.sync` child through an EventBridge rule it manages "
        "(no transitions)."
    )
