"""`workflow` steps run in moto's interpreter through the API: a child execution with its own status, logs and
output, a failing child, a cancelled parent, the depth limit, and the save-time checks (missing, foreign, cycles)."""

from __future__ import annotations

from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT

from infra.local.provision import STATE_MACHINE_PREFIX
from tests.integration.conftest import wait_for
from tests.integration.test_engine_executions import create, logs, run
from workflow_engine.data.sfn_gateway import execution_arn
from workflow_engine.models.history_budget import CHILD_STEP_EVENTS, ENGINE_EVENTS


def leaf(name: str, expression: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": expression}, **options}


def child_step(name: str, workflow_id: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "workflow", "config": {"workflow_id": workflow_id}, **options}


def status_of(api, execution_id: str) -> dict[str, Any]:
    status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}")
    assert status == 200, body
    return body


def test_a_child_runs_as_its_own_execution_and_its_output_is_the_steps(api):
    child = create(api, [leaf("double", "{doubled: sum([input.n, input.n])}")], name="child")
    parent = create(
        api,
        [
            leaf("first", "{n: input.n}"),
            {
                "name": "Run child",
                "type": "workflow",
                "config": {"workflow_id": child["id"], "input": {"n": "{{ steps.first.output.n }}"}},
            },
            leaf("after", 'steps."Run child".output.doubled'),
        ],
        name="parent",
    )
    execution_id, final = run(api, parent, {"n": 21})
    assert final["status"] == "completed", final
    assert final["output_data"] == 42
    assert final["parent_execution_id"] is None
    step_logs = [entry for entry in logs(api, execution_id) if entry["step_name"] == "Run child"]
    assert len(step_logs) == 1
    child_id = step_logs[0]["output_data"]["execution_id"]
    child_status = status_of(api, child_id)
    assert child_status["status"] == "completed"
    assert child_status["parent_execution_id"] == execution_id
    assert child_status["trigger"] == {"type": "workflow", "id": execution_id}
    assert final["trigger"] == {"type": "api", "id": None}
    assert child_status["workflow_id"] == child["id"]
    assert child_status["input_data"] == {"n": 21}
    assert child_status["output_data"] == {"doubled": 42}
    assert [entry["step_name"] for entry in logs(api, child_id)] == ["double"]
    status, listed, _ = api.call("GET", "/api/workflows/executions", query=f"parent_execution_id={execution_id}")
    assert status == 200, listed
    assert [item["id"] for item in listed] == [child_id]
    for trigger_type, expected in (("workflow", [child_id]), ("api", [execution_id])):
        status, listed, _ = api.call("GET", "/api/workflows/executions", query=f"trigger_type={trigger_type}")
        assert status == 200, listed
        assert [item["id"] for item in listed] == expected, trigger_type


def test_a_missing_or_foreign_workflow_is_refused_when_saved(api, other_api):
    foreign = create(other_api, [leaf("x", "input")], name="theirs")
    for workflow_id in (foreign["id"], "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"):
        status, body, _ = api.call(
            "POST", "/api/workflows", {"name": "p", "steps": [child_step("Call it", workflow_id)]}
        )
        assert status == 422, body
        assert 'steps "Call it".config.workflow_id' in body["message"]
        assert "no workflow" in body["message"]


def test_a_cycle_is_refused_on_create_and_on_update(api):
    a = create(api, [leaf("x", "input")], name="A")
    b = create(api, [child_step("Run A", a["id"])], name="B")
    c = create(api, [child_step("Run B", b["id"])], name="C")  # C -> B -> A: no cycle
    status, body, _ = api.call(
        "PUT", f"/api/workflows/{a['id']}", {"name": "A", "steps": [child_step("Run C", c["id"])]}
    )
    assert status == 422, body
    assert "cycle (A -> C -> B -> A)" in body["message"], body
    status, body, _ = api.call("PUT", f"/api/workflows/{a['id']}", {"name": "A", "steps": [child_step("Me", a["id"])]})
    assert status == 422, body
    assert "cycle: A -> A" in body["message"], body
    status, body, _ = api.call("GET", f"/api/workflows/{a['id']}")
    assert body["version"] == 1  # nothing was saved


def children_of(api, execution_id: str) -> list[dict[str, Any]]:
    status, listed, _ = api.call("GET", "/api/workflows/executions", query=f"parent_execution_id={execution_id}")
    assert status == 200, listed
    return listed


def test_a_failed_child_fails_the_step_or_continues(api):
    child = create(api, [leaf("bad", "abs(input.word)")], name="failing child")
    parent = create(api, [child_step("Run child", child["id"]), leaf("never", "input")], name="parent")
    execution_id, final = run(api, parent, {"word": "x"})
    assert final["status"] == "failed", final
    (failed_child,) = children_of(api, execution_id)
    assert failed_child["status"] == "failed"
    assert final["error_message"] == f"States.TaskFailed: child execution {failed_child['id']} failed (WorkflowFailed)"
    assert "never" not in [entry["step_name"] for entry in logs(api, execution_id)]

    tolerant = create(
        api,
        [child_step("Run child", child["id"], continue_on_error=True), leaf("after", 'steps."Run child".output')],
        name="tolerant parent",
    )
    execution_id, final = run(api, tolerant, {"word": "x"})
    assert final["status"] == "completed", final
    assert final["output_data"] is None
    assert [c["status"] for c in children_of(api, execution_id)] == ["failed"]


def test_a_retried_child_step_starts_a_new_child(api):
    child = create(api, [leaf("bad", "abs(input.word)")], name="failing child")
    retry = {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1.0}
    parent = create(api, [child_step("Run child", child["id"], retry=retry)], name="parent")
    execution_id, final = run(api, parent, {"word": "x"}, timeout=60)
    assert final["status"] == "failed", final
    children = children_of(api, execution_id)
    assert len(children) == 2 and {c["status"] for c in children} == {"failed"}
    attempts = [entry for entry in logs(api, execution_id) if entry["step_name"] == "Run child"]
    assert sorted(entry["output_data"]["execution_id"] for entry in attempts) == sorted(c["id"] for c in children)


def test_nesting_deeper_than_five_levels_fails_clearly(api):
    chain = create(api, [leaf("bottom", "input")], name="W6")
    for level in range(5, 0, -1):
        chain = create(api, [child_step(f"Run W{level + 1}", chain["id"])], name=f"W{level}")
    execution_id, final = run(api, chain, {}, timeout=60)
    assert final["status"] == "failed", final
    ids = [execution_id]
    for _ in range(4):  # W2 .. W5 ran, each a child of the one before
        (child,) = children_of(api, ids[-1])
        ids.append(child["id"])
    deepest = status_of(api, ids[-1])
    assert deepest["status"] == "failed"
    assert deepest["error_message"].startswith("WorkflowDepthExceeded: Workflows may nest at most 5 levels deep")
    assert children_of(api, ids[-1]) == []  # level 6 never started


def test_cancelling_the_parent_cancels_its_running_child(api):
    child = create(api, [{"name": "nap", "type": "wait", "config": {"seconds": 120}}], name="slow child")
    parent = create(api, [child_step("Run child", child["id"])], name="parent")
    status, started, _ = api.call("POST", f"/api/workflows/{parent['id']}/execute", {"input_data": {}})
    assert status == 202, started
    parent_id = started["execution_id"]

    def running_child():
        listed = children_of(api, parent_id)
        return listed[0] if listed and listed[0]["status"] == "running" else None

    running = wait_for(running_child, 30)
    status, cancelled, _ = api.call("POST", f"/api/workflows/executions/{parent_id}/cancel")
    assert status == 200, cancelled
    assert cancelled["status"] == "cancelled"
    assert status_of(api, running["id"])["status"] == "cancelled"
    status, body, _ = api.call("POST", f"/api/workflows/executions/{running['id']}/cancel")
    assert status == 409, body  # already cancelled with its parent


def test_batch_cancel_cancels_children_too(api):
    child = create(api, [{"name": "nap", "type": "wait", "config": {"seconds": 120}}], name="slow child")
    parent = create(api, [child_step("Run child", child["id"])], name="parent")
    status, started, _ = api.call("POST", f"/api/workflows/{parent['id']}/execute", {"input_data": {}})
    parent_id = started["execution_id"]
    running = wait_for(lambda: next((c for c in children_of(api, parent_id) if c["status"] == "running"), None), 30)
    status, body, _ = api.call("POST", "/api/workflows/executions/batch-cancel", {"execution_ids": [parent_id]})
    assert status == 200, body
    assert body["results"][0]["outcome"] == "cancelled"
    assert status_of(api, running["id"])["status"] == "cancelled"


def test_a_workflow_step_costs_its_parent_what_the_history_budget_counts(api, resources):
    """The parent's history holds exactly the engine's events and the step's CHILD_STEP_EVENTS (history budget),
    and 7 transitions beyond the engine's two (README "Child workflows": cost)."""
    child = create(api, [leaf("a", "input")], name="child")
    parent = create(api, [child_step("Run child", child["id"])], name="parent")
    execution_id, final = run(api, parent, {})
    assert final["status"] == "completed", final
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = execution_arn(
        f"arn:aws:states:{resources.region}:{ACCOUNT}:stateMachine:{STATE_MACHINE_PREFIX}{parent['id']}", execution_id
    )
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert len(events) == ENGINE_EVENTS + CHILD_STEP_EVENTS
    assert sum(1 for event in events if event["type"].endswith("StateEntered")) == 2 + 7
