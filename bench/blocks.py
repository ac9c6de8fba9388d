"""Blocks (choice, parallel, map), counted in moto's execution histories of the compiled machines.

- transitions per block kind: a run's *StateEntered events less the engine's two ("$mark running", "$record
  success") and one per Lambda step the run takes: what the block itself adds. Budget (issue 20): at most 1.
- a map of `items` items (1,000 in `make bench`) whose iteration runs no Lambda (a choice whose one branch is
  never taken: Choice + Pass): its history events, events per iteration, and the largest state payload any
  event of the run carries (`input`/`output` of the entered and exited events, in bytes; Step Functions' limit
  is 256 KiB). Each item is a small object, so the figure grows with the items the input carries.
- a map of `lambda_items` items (100) of one transform step: events per iteration as moto writes them for a
  Lambda step (models.history_budget counts 2 + 5) and its local run time.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

from bench.harness import Api, execution_arn, history, state_transitions
from infra.local.provision import STATE_MACHINE_PREFIX, LocalResources
from workflow_engine.models.history_budget import ITERATION_EVENTS, TASK_EVENTS

ITEMS = 1_000
LAMBDA_ITEMS = 100
ENGINE_TRANSITIONS = 2


def _leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "item"}}


def _map(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "each", "type": "map", "config": {"items": "input.items", "steps": steps}}


NEVER = {
    "name": "never",
    "type": "choice",
    "config": {"branches": [{"when": {"path": "item.n", "op": "lt", "value": 0}, "steps": [_leaf("x")]}]},
}
BLOCKS: dict[str, tuple[list[dict[str, Any]], int]] = {
    # kind -> (steps, Lambda steps its run takes with the input {"n": 1, "items": [3 items]})
    "choice": (
        [
            {
                "name": "route",
                "type": "choice",
                "config": {"branches": [{"when": {"path": "input.n", "op": "exists"}, "steps": [_leaf("taken")]}]},
            }
        ],
        1,
    ),
    "parallel": (
        [
            {
                "name": "fan",
                "type": "parallel",
                "config": {"branches": [{"name": "a", "steps": [_leaf("a")]}, {"name": "b", "steps": [_leaf("b")]}]},
            }
        ],
        2,
    ),
    "map": ([_map([_leaf("copy")])], 3),
}


class _Runner:
    def __init__(self, resources: LocalResources, api: Api) -> None:
        self.api, self.region = api, resources.region
        self.sfn = boto3.client("stepfunctions", region_name=resources.region)

    def run(self, steps: list[dict[str, Any]], input_data: Any, name: str) -> tuple[list[dict[str, Any]], float]:
        workflow_id = self.api.create_workflow(steps, name=name)
        started = time.perf_counter()
        execution_id = self.api.execute(workflow_id, input_data)
        final = self.api.wait_terminal(execution_id, timeout=600)
        seconds = time.perf_counter() - started
        assert final["status"] == "completed", final
        arn = execution_arn(self.region, f"{STATE_MACHINE_PREFIX}{workflow_id}", execution_id)
        return history(self.sfn, arn), seconds


def largest_payload(events: list[dict[str, Any]]) -> int:
    """The largest `input` or `output` (bytes, UTF-8) any state entered or exited event carries."""
    sizes = [0]
    for event in events:
        for details in ("stateEnteredEventDetails", "stateExitedEventDetails"):
            for field in ("input", "output"):
                text = (event.get(details) or {}).get(field)
                if text:
                    sizes.append(len(text.encode()))
    return max(sizes)


def run(
    resources: LocalResources, api: Api | None = None, items: int = ITEMS, lambda_items: int = LAMBDA_ITEMS
) -> dict[str, Any]:
    runner = _Runner(resources, api or Api())
    transitions = {}
    for kind, (steps, lambda_steps) in BLOCKS.items():
        events, _ = runner.run(steps, {"n": 1, "items": [{"n": 1}, {"n": 2}, {"n": 3}]}, f"block {kind}")
        transitions[kind] = state_transitions(events) - ENGINE_TRANSITIONS - lambda_steps

    payload = [{"n": index, "sku": f"SKU-{index:06d}", "quantity": 1} for index in range(items)]
    events, seconds = runner.run([_map([NEVER])], {"items": payload}, f"map of {items}")
    big = {
        "items": items,
        "history_events": len(events),
        "events_per_iteration": round((len(events) - _outside_map(events)) / items, 2),
        "largest_payload_bytes": largest_payload(events),
        "local_seconds": round(seconds, 2),
    }
    events, seconds = runner.run([_map([_leaf("copy")])], {"items": list(range(lambda_items))}, "lambda map")
    lambda_map = {
        "items": lambda_items,
        "history_events": len(events),
        "events_per_iteration": round((len(events) - _outside_map(events)) / lambda_items, 2),
        "estimated_per_iteration": ITERATION_EVENTS + TASK_EVENTS,
        "local_seconds": round(seconds, 2),
    }
    return {
        "transitions": transitions,
        "budget": 1,
        "held": all(added <= 1 for added in transitions.values()),
        "map": big,
        "lambda_map": lambda_map,
    }


# What each block adds beyond the steps it runs, state by state (asl.blocks, asl.map_guard).
BLOCK_STATES = {
    "choice": "the Choice (named by the step) + the Pass that writes `{branch, output}` where the branch rejoins",
    "parallel": "the Parallel state (its branches' outputs are named by its ResultSelector)",
    "map": "the `$items` guard (a Choice: more than 1,000 items, or not a list) + the Map state",
}
WHY_OVER = {
    "choice": (
        "a Choice state cannot write to the state document (only to variables, which the step Lambdas, "
        "sub-machine outputs and resume never see), and they read the choice's output `{branch, output}` "
        "(DESIGN) from it, so one state on the taken branch must write it"
    ),
    "map": (
        "an inline Map has no item limit, and a failing intrinsic is States.Runtime, which no Catch takes: the "
        "readable `Map.TooManyItems` failure (DESIGN: more than 1,000 items fails the step) needs a Choice first"
    ),
}
STATE_LIMIT_BYTES = 256 * 1024


def section(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section: transitions per block, the 1,000-item map, the Lambda map."""
    budget = results["budget"]
    rows = []
    for kind, added in results["transitions"].items():
        held = "yes" if added <= budget else "**NO**: " + WHY_OVER.get(kind, "")
        rows.append(f"| {kind} | +{added} | {BLOCK_STATES[kind]} | +{budget} | {held} |")
    big, small = results["map"], results["lambda_map"]
    share = big["largest_payload_bytes"] / STATE_LIMIT_BYTES
    return "\n".join(
        [
            "| block | transitions beyond its steps | what they are | budget | held |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "| map | history events | events per iteration | largest state payload | local run time |",
            "| --- | --- | --- | --- | --- |",
            f"| {big['items']:,} items, an iteration of one Choice (no Lambda) | {big['history_events']:,} | "
            f"{big['events_per_iteration']} | {big['largest_payload_bytes']:,} bytes ({share:.0%} of 256 KiB) | "
            f"{big['local_seconds']} s |",
            f"| {small['items']:,} items, an iteration of one transform step | {small['history_events']:,} | "
            f"{small['events_per_iteration']} (models.history_budget counts {small['estimated_per_iteration']}) | - | "
            f"{small['local_seconds']} s |",
        ]
    )


def _outside_map(events: list[dict[str, Any]]) -> int:
    """The events before the Map state starts and after it exits (the execution, the engine states, the guard,
    the Map state's own four)."""
    started = next(i for i, event in enumerate(events) if event["type"] == "MapStateStarted")
    ended = next(i for i, event in enumerate(events) if event["type"] in ("MapStateSucceeded", "MapStateFailed"))
    return started + 1 + (len(events) - ended)
