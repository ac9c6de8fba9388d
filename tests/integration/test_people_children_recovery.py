"""Retry, resume and compare of runs with `approval` and `workflow` steps, on real machines in moto.

A rejected approval resumes at the approval step, which waits for a new decision (the steps before it are
reused); a failed child step resumes by starting a new child; compare aligns both kinds of step by name.
"""

from __future__ import annotations

from tests.integration.conftest import wait_terminal
from tests.integration.test_approvals import approval, decide, start, waiting
from tests.integration.test_child_workflows import child_step, children_of, leaf
from tests.integration.test_engine_executions import create, logs, run

COMPARE = "/api/workflows/executions/compare"


def resume(api, execution_id: str, **body) -> str:
    status, started, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/retry", {"mode": "resume", **body})
    assert status == 202, started
    return started["execution_id"]


def test_a_rejected_approval_resumes_waiting_again_and_compare_shows_both_decisions(api):
    workflow = create(
        api, [leaf("first", "input"), approval(), leaf("after", 'steps."sign off".output.decision')], name="payment"
    )
    rejected = start(api, workflow, {"amount": 5, "to": "ACME"})
    waiting(api, rejected)
    assert decide(api, rejected, decision="reject", comment="not yet")[0] == 200
    assert wait_terminal(api, rejected)["status"] == "failed"

    resumed = resume(api, rejected)
    body = waiting(api, resumed)  # the approval step waits again, for a new decision
    assert body["status"] == "running" and body["trigger"] == {"type": "retry", "id": rejected}
    assert [w["message"] for w in body["waiting_for"]] == ["Pay 5 to ACME?"]
    assert decide(api, resumed, comment="now")[0] == 200
    final = wait_terminal(api, resumed)
    assert final["status"] == "completed", final
    assert final["output_data"] == "approve"
    entries = {entry["step_name"]: entry for entry in logs(api, resumed)}
    assert entries["first"]["reused"] is True and entries["sign off"]["reused"] is False

    status, compared, _ = api.call("GET", COMPARE, query=f"ids={rejected},{resumed}")
    assert status == 200, compared
    rows = {row["step_name"]: row for row in compared["steps"]}
    assert [r["status"] for r in rows["sign off"]["per_execution"]] == ["failed", "succeeded"]
    assert {"path": "/decision", "values": ["reject", "approve"]} in rows["sign off"]["output_diff"]
    assert [r["status"] for r in rows["after"]["per_execution"]] == ["not_run", "succeeded"]
    assert rows["first"]["output_equal"] is True


def test_a_failed_child_step_resumes_with_a_new_child_and_compare_aligns_it(api):
    child = create(api, [leaf("check", "abs(input.n)")], name="checker")
    parent = create(
        api,
        [
            leaf("prepare", "{n: input.n}"),
            child_step("Run child", child["id"]),
            leaf("after", 'steps."Run child".output'),
        ],
        name="parent of checker",
    )
    failed_id, failed = run(api, parent, {"n": "x"})
    assert failed["status"] == "failed", failed
    (first_child,) = children_of(api, failed_id)
    assert first_child["status"] == "failed"

    resumed_id = resume(api, failed_id, input_data={"n": -4})
    final = wait_terminal(api, resumed_id)
    assert final["status"] == "completed", final
    assert final["output_data"] == 4
    (second_child,) = children_of(api, resumed_id)
    assert second_child["id"] != first_child["id"] and second_child["status"] == "completed"
    assert second_child["trigger"] == {"type": "workflow", "id": resumed_id}
    entries = {entry["step_name"]: entry for entry in logs(api, resumed_id)}
    assert entries["prepare"]["reused"] is True  # its recorded result: n was "x" then, as the original's log says
    assert entries["Run child"]["reused"] is False
    assert entries["Run child"]["output_data"]["execution_id"] == second_child["id"]

    status, compared, _ = api.call("GET", COMPARE, query=f"ids={failed_id},{resumed_id}")
    assert status == 200, compared
    rows = {row["step_name"]: row for row in compared["steps"]}
    # The step's log item records the child it started (models: steps.child_input); how each child ended is the
    # child's own status (above) and, for the failed one, the parent's error.
    assert rows["Run child"]["output_equal"] is False
    assert [r["status"] for r in rows["after"]["per_execution"]] == ["not_run", "succeeded"]
