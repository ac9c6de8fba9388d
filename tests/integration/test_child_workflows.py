"""`workflow` steps run in moto's interpreter through the API: a child execution with its own status, logs and
output, a failing child, a cancelled parent, the depth limit, and the save-time checks (missing, foreign, cycles)."""

from __future__ import annotations

from typing import Any

from tests.integration.test_engine_executions import create, logs, run


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
            leaf("after", "steps.\"Run child\".output.doubled"),
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
    assert child_status["workflow_id"] == child["id"]
    assert child_status["input_data"] == {"n": 21}
    assert child_status["output_data"] == {"doubled": 42}
    assert [entry["step_name"] for entry in logs(api, child_id)] == ["double"]
    status, listed, _ = api.call("GET", "/api/workflows/executions", query=f"parent_execution_id={execution_id}")
    assert status == 200, listed
    assert [item["id"] for item in listed] == [child_id]


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
    status, body, _ = api.call("PUT", f"/api/workflows/{a['id']}", {"name": "A", "steps": [child_step("Run C", c["id"])]})
    assert status == 422, body
    assert "cycle (A -> C -> B -> A)" in body["message"], body
    status, body, _ = api.call("PUT", f"/api/workflows/{a['id']}", {"name": "A", "steps": [child_step("Me", a["id"])]})
    assert status == 422, body
    assert "cycle: A -> A" in body["message"], body
    status, body, _ = api.call("GET", f"/api/workflows/{a['id']}")
    assert body["version"] == 1  # nothing was saved
