"""Schedules through the handlers, in moto: CRUD (the DynamoDB item and moto's EventBridge Scheduler schedule kept
together), firings through the scheduled-start function (one run per scheduled time even when delivered twice;
`overlap: skip` while a run waits on an approval; disabled and deleted schedules start nothing), and a workflow's
deletion removing its schedules."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from infra.catalog import SCHEDULED_START
from infra.local import moto_seams
from infra.local.provision import SCHEDULE_GROUP_NAME, LocalResources
from infra.local.scheduler_seam import SchedulerFirings
from tests.integration.conftest import Api, wait_terminal
from tests.integration.test_approvals import approval, decide, leaf, waiting


def workflow(api: Api, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {"name": f"nightly {uuid.uuid4().hex[:6]}", "steps": steps or [leaf("echo", "input")]}
    status, created, _ = api.call("POST", "/api/workflows", body)
    assert status == 201, created
    return created


def add(api: Api, workflow_id: str, **fields: Any) -> tuple[int, Any]:
    status, body, _ = api.call(
        "POST", f"/api/workflows/{workflow_id}/schedules", {"expression": "rate(1 hour)", **fields}
    )
    return status, body


def scheduler_schedule(resources: LocalResources, schedule_id: str) -> dict[str, Any] | None:
    client = boto3.client("scheduler", region_name=resources.region)
    try:
        return client.get_schedule(Name=schedule_id, GroupName=SCHEDULE_GROUP_NAME)
    except client.exceptions.ResourceNotFoundException:
        return None


def fire(resources: LocalResources, schedule_id: str, scheduled_time: str) -> dict[str, Any]:
    """What EventBridge Scheduler sends the target: the schedule's Input, its context attributes substituted."""
    found = scheduler_schedule(resources, schedule_id)
    assert found is not None
    text = found["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", scheduled_time)
    text = text.replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
    payload, failed = moto_seams.invoke_handler(
        SCHEDULED_START.handler, json.loads(text), SCHEDULED_START.id, resources.function_arns[SCHEDULED_START.id]
    )
    assert not failed, payload
    return json.loads(payload)


def scheduled_runs(api: Api, workflow_id: str) -> list[dict[str, Any]]:
    status, body, _ = api.call(
        "GET", "/api/workflows/executions", query=f"workflow_id={workflow_id}&trigger_type=schedule"
    )
    assert status == 200, body
    return body


def test_crud_keeps_the_item_and_the_scheduler_schedule_together(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    status, created = add(
        api, flow["id"], expression="cron(0 2 * * ? *)", timezone="Europe/Paris", input_data={"n": 1}, overlap="skip"
    )
    assert status == 201, created
    assert created["next_run_at"].endswith(("+01:00", "+02:00")) and created["next_run_at"][11:16] == "02:00"
    assert {created[k] for k in ("expression", "timezone", "overlap")} == {"cron(0 2 * * ? *)", "Europe/Paris", "skip"}
    deployed = scheduler_schedule(resources, created["id"])
    assert deployed is not None
    assert deployed["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert deployed["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert deployed["State"] == "ENABLED" and deployed["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert deployed["Target"]["Arn"] == resources.function_arns[SCHEDULED_START.id]
    target_input = json.loads(deployed["Target"]["Input"])
    assert target_input["scheduled_time"] == "<aws.scheduler.scheduled-time>"
    assert target_input["schedule_id"] == created["id"]

    base = f"/api/workflows/{flow['id']}/schedules"
    assert api.call("GET", base)[1] == [created]
    assert api.call("GET", f"{base}/{created['id']}")[1] == created
    status, paused, _ = api.call("PUT", f"{base}/{created['id']}", {"expression": "rate(5 minutes)", "enabled": False})
    assert status == 200, paused
    assert paused["enabled"] is False and paused["next_run_at"] is None and paused["overlap"] == "allow"
    deployed = scheduler_schedule(resources, created["id"])
    assert (
        deployed is not None and deployed["State"] == "DISABLED" and deployed["ScheduleExpression"] == "rate(5 minutes)"
    )
    assert api.call("DELETE", f"{base}/{created['id']}")[0] == 204
    assert scheduler_schedule(resources, created["id"]) is None
    assert api.call("GET", f"{base}/{created['id']}")[0] == 404
    assert api.call("GET", base)[1] == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"expression": "rate(30 seconds)"}, "1 minute"),
        ({"expression": "cron(0 9 * * MON *)"}, "exactly one of day-of-month and day-of-week"),
        ({"expression": "at(2020-01-01T00:00:00)"}, "in the past"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
    ],
)
def test_bad_schedules_are_422_with_the_reason(api: Api, resources: LocalResources, fields: dict, problem: str) -> None:
    flow = workflow(api)
    status, body = add(api, flow["id"], **fields)
    assert status == 422 and problem in body["message"], body


def test_bad_bodies_and_foreign_ids(api: Api, other_api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    assert add(api, flow["id"], overlap="sometimes")[0] == 422
    assert add(api, flow["id"], surprise=1)[0] == 422
    assert api.call("POST", f"/api/workflows/{flow['id']}/schedules", "[1]")[0] == 422
    status, created = add(api, flow["id"])
    assert status == 201
    assert add(other_api, flow["id"])[0] == 404
    assert other_api.call("GET", f"/api/workflows/{flow['id']}/schedules")[0] == 404
    assert other_api.call("DELETE", f"/api/workflows/{flow['id']}/schedules/{created['id']}")[0] == 404
    assert api.call("GET", f"/api/workflows/{flow['id']}/schedules/{uuid.uuid4()}")[0] == 404
    assert add(api, str(uuid.uuid4()))[0] == 404


def test_a_firing_delivered_twice_starts_one_run(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    _, schedule = add(api, flow["id"], input_data={"from": "schedule"})
    first = fire(resources, schedule["id"], "2026-12-05T02:00:00Z")
    again = fire(resources, schedule["id"], "2026-12-05T02:00:00Z")
    assert first["started"] and again == first
    runs = scheduled_runs(api, flow["id"])
    assert [run["id"] for run in runs] == [first["execution_id"]]
    finished = wait_terminal(api, first["execution_id"])
    assert finished["status"] == "completed" and finished["input_data"] == {"from": "schedule"}
    assert finished["trigger"] == {"type": "schedule", "id": schedule["id"]}
    shown = api.call("GET", f"/api/workflows/{flow['id']}/schedules/{schedule['id']}")[1]
    assert shown["last_execution_id"] == first["execution_id"] and shown["last_run_at"]
    later = fire(resources, schedule["id"], "2026-12-05T03:00:00Z")  # the next scheduled time is another run
    assert later["started"] and later["execution_id"] != first["execution_id"]


def test_overlap_skip_starts_nothing_while_a_run_waits(api: Api, resources: LocalResources) -> None:
    flow = workflow(api, [approval()])
    _, schedule = add(api, flow["id"], overlap="skip", input_data={"amount": 1, "to": "x"})
    first = fire(resources, schedule["id"], "2026-12-05T02:00:00Z")
    waiting(api, first["execution_id"])
    skipped = fire(resources, schedule["id"], "2026-12-05T03:00:00Z")
    assert skipped == {"started": False, "execution_id": None, "reason": skipped["reason"]}
    assert "overlap" in skipped["reason"]
    shown = api.call("GET", f"/api/workflows/{flow['id']}/schedules/{schedule['id']}")[1]
    assert shown["last_skipped_at"] and shown["last_execution_id"] == first["execution_id"]
    assert len(scheduled_runs(api, flow["id"])) == 1
    assert decide(api, first["execution_id"])[0] == 200
    wait_terminal(api, first["execution_id"])
    assert fire(resources, schedule["id"], "2026-12-05T04:00:00Z")["started"]


def test_disabled_deleted_schedules_and_deleted_workflows_start_nothing(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    _, schedule = add(api, flow["id"], enabled=False)
    assert fire(resources, schedule["id"], "2026-12-05T02:00:00Z")["reason"] == "the schedule is disabled"
    _, kept = add(api, flow["id"])
    deployed = scheduler_schedule(resources, kept["id"])
    assert api.call("DELETE", f"/api/workflows/{flow['id']}")[0] == 204
    assert api.call("GET", f"/api/workflows/{flow['id']}/schedules")[0] == 404
    assert scheduler_schedule(resources, kept["id"]) is None and scheduler_schedule(resources, schedule["id"]) is None
    # a delivery already on its way when the schedule went: it starts nothing
    assert deployed is not None
    payload, failed = moto_seams.invoke_handler(
        SCHEDULED_START.handler,
        json.loads(deployed["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", "2026-12-05T05:00:00Z")),
        SCHEDULED_START.id,
    )
    assert not failed and json.loads(payload)["reason"] == "the schedule was deleted"
    assert scheduled_runs(api, flow["id"]) == []


def test_at_in_the_future_is_kept_after_it_fires(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    status, created = add(api, flow["id"], expression=f"at({soon})")
    assert status == 201 and created["next_run_at"] == f"{soon}+00:00"
    deployed = scheduler_schedule(resources, created["id"])
    assert deployed is not None and deployed.get("ActionAfterCompletion", "NONE") == "NONE"


def seam(resources: LocalResources, clock) -> SchedulerFirings:
    account_id = resources.function_arns[SCHEDULED_START.id].split(":")[4]
    return SchedulerFirings(account_id, resources.region, SCHEDULE_GROUP_NAME, clock=clock)


def test_the_local_seam_fires_a_due_at_once_through_the_target(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    now = datetime.now(UTC).replace(microsecond=0)
    when = now + timedelta(seconds=3)
    _, schedule = add(api, flow["id"], expression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})", input_data={"a": 1})
    moment = {"now": now}
    firings = seam(resources, lambda: moment["now"])
    assert [f for f in firings.tick() if f.schedule_name == schedule["id"]] == []
    moment["now"] = when
    (fired,) = [f for f in firings.tick() if f.schedule_name == schedule["id"]]
    assert fired.scheduled_time == when.strftime("%Y-%m-%dT%H:%M:%SZ") and not fired.failed
    assert fired.payload["started"] is True
    moment["now"] = when + timedelta(hours=1)
    assert [f for f in firings.tick() if f.schedule_name == schedule["id"]] == []  # once
    run = wait_terminal(api, fired.payload["execution_id"])
    assert run["trigger"] == {"type": "schedule", "id": schedule["id"]} and run["input_data"] == {"a": 1}


def test_the_local_seam_honours_zone_rate_disabled_and_deleted(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    moment = {"now": datetime.now(UTC)}
    firings = seam(resources, lambda: moment["now"])
    _, cron = add(api, flow["id"], expression="cron(30 2 * * ? *)", timezone="America/New_York")
    _, paused = add(api, flow["id"], expression="rate(1 minute)", enabled=False)
    _, rate = add(api, flow["id"], expression="rate(1 minute)")
    mine = {cron["id"], paused["id"], rate["id"]}
    firings.tick()
    next_cron = datetime.fromisoformat(cron["next_run_at"])
    moment["now"] = next_cron
    names = [f.schedule_name for f in firings.tick() if f.schedule_name in mine]
    assert sorted(names) == sorted([cron["id"], rate["id"]])  # the paused one does not fire; the rate fires once
    assert [f for f in firings.tick() if f.schedule_name in mine] == []  # nothing more is due at the same instant
    assert api.call("DELETE", f"/api/workflows/{flow['id']}/schedules/{rate['id']}")[0] == 204
    moment["now"] = next_cron + timedelta(days=1)
    names = [f.schedule_name for f in firings.tick() if f.schedule_name in mine]
    assert names == [cron["id"]]  # the next day's 02:30 in New York; the deleted rate is gone, the paused one waits
    assert next_cron.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "02:30"


def test_a_firing_after_an_update_runs_the_new_version(api: Api, resources: LocalResources) -> None:
    flow = workflow(api)
    _, schedule = add(api, flow["id"], input_data={"n": 2})
    replaced = {"name": flow["name"], "steps": [leaf("double", "input.n")]}
    status, body, _ = api.call("PUT", f"/api/workflows/{flow['id']}", replaced)
    assert status == 200 and body["version"] == 2, body
    fired = fire(resources, schedule["id"], "2026-12-05T06:00:00Z")
    finished = wait_terminal(api, fired["execution_id"])
    assert finished["status"] == "completed" and finished["output_data"] == 2
