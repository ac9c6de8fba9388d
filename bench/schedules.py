"""Schedules: AWS calls per scheduled start (a first delivery, and the same firing delivered again), and the local
firing delay of an at() schedule (from its due time to its run's execution item, through seam 16).

The calls are counted with botocore hooks on the firing's own thread (the scheduled-start handler), as EventBridge
Scheduler's invocation would make them. The delay: an at() a couple of seconds ahead, fired by the local stack's
scheduler thread (infra/local/scheduler_seam.py, ticking every TICK_SECONDS), the run looked for every 20 ms.

`python -m bench.schedules` runs this section alone (and prints it).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from bench.counting import AwsCalls
from bench.harness import Api
from infra.catalog import SCHEDULED_START
from infra.local import moto_seams
from infra.local.provision import SCHEDULE_GROUP_NAME, LocalResources
from infra.local.scheduler_seam import TICK_SECONDS, SchedulerFirings

LEAD_SECONDS = 2


def _schedule(api: Api, workflow_id: str, expression: str) -> dict[str, Any]:
    status, body, _ = api.call(
        "POST", "/api/workflows/{workflow_id}/schedules", {"expression": expression}, workflow_id=workflow_id
    )
    assert status == 201, body
    return body


def _fire(resources: LocalResources, schedule_id: str, scheduled_time: str) -> tuple[dict[str, Any], dict[str, int]]:
    scheduler = boto3.client("scheduler", region_name=resources.region)
    text = scheduler.get_schedule(Name=schedule_id, GroupName=SCHEDULE_GROUP_NAME)["Target"]["Input"]
    event = json.loads(
        text.replace("<aws.scheduler.scheduled-time>", scheduled_time).replace(
            "<aws.scheduler.execution-id>", str(uuid.uuid4())
        )
    )
    with AwsCalls() as calls:
        payload, failed = moto_seams.invoke_handler(SCHEDULED_START.handler, event, SCHEDULED_START.id)
    assert not failed, payload
    return json.loads(payload), calls.operations()


def _scheduled_runs(api: Api, workflow_id: str) -> list[dict[str, Any]]:
    status, body, _ = api.call(
        "GET", "/api/workflows/executions", query=f"workflow_id={workflow_id}&trigger_type=schedule"
    )
    assert status == 200, body
    return body


def firing_delay(resources: LocalResources, api: Api, workflow_id: str) -> float:
    """Seconds from an at()'s due time to its run's execution item, fired by the local scheduler thread."""
    account_id = resources.function_arns[SCHEDULED_START.id].split(":")[4]
    due = (datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)).replace(microsecond=0)
    _schedule(api, workflow_id, f"at({due.strftime('%Y-%m-%dT%H:%M:%S')})")
    firings = SchedulerFirings(account_id, resources.region, SCHEDULE_GROUP_NAME)
    firings.start()
    try:
        deadline = time.monotonic() + LEAD_SECONDS + 30
        while not _scheduled_runs(api, workflow_id):
            assert time.monotonic() < deadline, "the at() schedule did not fire"
            time.sleep(0.02)
        return (datetime.now(UTC) - due).total_seconds()
    finally:
        firings.stop()


def run(resources: LocalResources, api: Api | None = None) -> dict[str, Any]:
    api = api or Api()
    workflow_id = api.create_workflow([{"name": "Echo", "type": "transform", "config": {"expression": "input"}}])
    schedule = _schedule(api, workflow_id, "rate(1 hour)")
    first, first_calls = _fire(resources, schedule["id"], "2026-01-01T00:00:00Z")
    again, again_calls = _fire(resources, schedule["id"], "2026-01-01T00:00:00Z")
    assert first["started"] and again == first, (first, again)
    delay_workflow = api.create_workflow([{"name": "Echo", "type": "transform", "config": {"expression": "input"}}])
    delay = firing_delay(resources, api, delay_workflow)
    return {
        "calls_per_scheduled_start": sum(first_calls.values()),
        "operations": first_calls,
        "calls_per_duplicate_delivery": sum(again_calls.values()),
        "duplicate_operations": again_calls,
        "at_firing_delay_seconds": round(delay, 3),
        "tick_seconds": TICK_SECONDS,
    }


def section(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    first = ", ".join(f"{name} {count}" for name, count in results["operations"].items())
    again = ", ".join(f"{name} {count}" for name, count in results["duplicate_operations"].items())
    return (
        "| measure | value |\n|---|---|\n"
        f"| AWS calls per scheduled start | {results['calls_per_scheduled_start']} ({first}) |\n"
        f"| AWS calls when the same firing is delivered again | {results['calls_per_duplicate_delivery']} ({again}) |\n"
        f"| local firing delay of an at() (due time to run) | {results['at_firing_delay_seconds']:.2f} s "
        f"(the local scheduler ticks every {results['tick_seconds']} s) |"
    )


if __name__ == "__main__":
    from bench.harness import in_process_stack

    with in_process_stack() as stack_resources:
        print(json.dumps(run(stack_resources), indent=2))
