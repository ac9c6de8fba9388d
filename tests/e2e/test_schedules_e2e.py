"""Schedules over HTTP with real tokens, against the local stack (or any stack named by E2E_OUTPUTS_FILE): CRUD,
a 422 that says what is wrong, another user's 404, and an at() a few seconds ahead that the stack fires itself
(seam 16 locally, EventBridge Scheduler when deployed), starting one run whose trigger is the schedule."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.xdist_group("e2e")


def workflow(client) -> str:
    body = {
        "name": "scheduled e2e",
        "steps": [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}],
    }
    response = client.post("/api/workflows", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_schedule_crud_over_http(alice, bob) -> None:
    workflow_id = workflow(alice)
    base = f"/api/workflows/{workflow_id}/schedules"
    created = alice.post(base, json={"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Paris"})
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["next_run_at"][11:16] == "02:00" and schedule["enabled"] is True
    assert alice.get(base).json() == [schedule]
    paused = alice.request("PUT", f"{base}/{schedule['id']}", json={"expression": "rate(1 day)", "enabled": False})
    assert paused.status_code == 200 and paused.json()["next_run_at"] is None
    bad = alice.post(base, json={"expression": "rate(10 seconds)"})
    assert bad.status_code == 422 and "1 minute" in bad.json()["message"]
    assert bob.get(base).status_code == 404
    assert bob.request("DELETE", f"{base}/{schedule['id']}").status_code == 404
    assert alice.request("DELETE", f"{base}/{schedule['id']}").status_code == 204
    assert alice.get(f"{base}/{schedule['id']}").status_code == 404


def test_an_at_schedule_fires_within_seconds(alice) -> None:
    workflow_id = workflow(alice)
    due = (datetime.now(UTC) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S")
    created = alice.post(
        f"/api/workflows/{workflow_id}/schedules", json={"expression": f"at({due})", "input_data": {"nightly": True}}
    )
    assert created.status_code == 201, created.text
    schedule_id = created.json()["id"]
    deadline = time.monotonic() + 20
    while True:
        runs = alice.get(
            "/api/workflows/executions", params={"workflow_id": workflow_id, "trigger_type": "schedule"}
        ).json()
        if runs:
            break
        assert time.monotonic() < deadline, "the at() schedule did not fire"
        time.sleep(0.2)
    (run,) = runs
    finished = alice.wait_terminal(run["id"])
    assert finished["status"] == "completed" and finished["input_data"] == {"nightly": True}
    assert finished["trigger"] == {"type": "schedule", "id": schedule_id}
    shown = alice.get(f"/api/workflows/{workflow_id}/schedules/{schedule_id}").json()
    assert shown["last_execution_id"] == run["id"] and shown["next_run_at"] is None
