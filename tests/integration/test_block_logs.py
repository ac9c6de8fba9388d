"""Logs of nested steps, through the API handlers with moto executing the real nested machines: each log says
which block it ran in (`parent_step`) and which map iteration (`iteration`); the log routes filter by block;
compare aligns a map's iterations; a failure inside an iteration resumes at its top-level block, reusing every
iteration of the blocks before it; metrics count inner steps under their own names."""

from __future__ import annotations

from typing import Any

from infra.local import moto_seams
from tests.integration.conftest import wait_terminal
from tests.integration.test_block_machines import leaf, per_item
from tests.integration.test_engine_executions import create, logs, run
from tests.integration.test_metrics import metrics


def nested_workflow(api) -> dict[str, Any]:
    """A map of a leaf and a choice inside a parallel, between two top-level steps."""
    route = {
        "name": "route",
        "type": "choice",
        "config": {
            "branches": [{"when": {"path": "item", "op": "gt", "value": 2}, "steps": [leaf("big", "item")]}],
            "otherwise": [leaf("small", "item")],
        },
    }
    fan = {
        "name": "fan",
        "type": "parallel",
        "config": {
            "branches": [
                {"name": "items", "steps": [per_item("each", [leaf("echo", "item"), route])]},
                {"name": "kind", "steps": [leaf("seen", "steps.first.output")]},
            ]
        },
    }
    return create(api, [leaf("first", "input.kind"), fan, leaf("last", "steps.fan.output")], name="nested")


def placed(entries: list[dict[str, Any]]) -> list[tuple[str, str | None, int | None]]:
    return sorted(
        ((e["step_name"], e["parent_step"], e["iteration"]) for e in entries),
        key=lambda row: (row[0], -1 if row[2] is None else row[2]),
    )


def test_logs_of_a_map_inside_a_parallel_name_their_block_and_iteration_and_filter_by_block(api):
    workflow = nested_workflow(api)
    execution_id, final = run(api, workflow, {"kind": "order", "items": [1, 2, 3]})
    assert final["status"] == "completed", final
    otherwise = [{"branch": "otherwise", "output": 1}, {"branch": "otherwise", "output": 2}]
    assert final["output_data"] == {"items": [*otherwise, {"branch": 0, "output": 3}], "kind": "order"}
    assert placed(logs(api, execution_id)) == [
        ("big", "route", 2),
        ("echo", "each", 0),
        ("echo", "each", 1),
        ("echo", "each", 2),
        ("first", None, None),
        ("last", None, None),
        ("seen", "fan", None),
        ("small", "route", 0),
        ("small", "route", 1),
    ]

    # The steps directly inside a block: the map's own steps, not those of the choice nested in it.
    assert placed(logs(api, execution_id, "parent_step=each")) == [
        ("echo", "each", 0),
        ("echo", "each", 1),
        ("echo", "each", 2),
    ]
    assert placed(logs(api, execution_id, "parent_step=fan")) == [("seen", "fan", None)]
    assert logs(api, execution_id, "parent_step=first") == []

    status, found, _ = api.call("GET", "/api/logs", query=f"workflow_id={workflow['id']}&parent_step=route")
    assert status == 200, found
    assert placed(found) == [("big", "route", 2), ("small", "route", 0), ("small", "route", 1)]
    assert {entry["execution_id"] for entry in found} == {execution_id}


def test_compare_aligns_the_steps_of_a_map_by_iteration(api):
    workflow = nested_workflow(api)
    first_id, first = run(api, workflow, {"kind": "order", "items": [1, 2, 3]})
    second_id, second = run(api, workflow, {"kind": "order", "items": [1, 5]})
    assert first["status"] == second["status"] == "completed"

    status, body, _ = api.call("GET", "/api/workflows/executions/compare", query=f"ids={first_id},{second_id}")
    assert status == 200, body
    rows = {(row["step_name"], row["iteration"]): row for row in body["steps"]}
    assert [key for key in rows if key[0] == "echo"] == [("echo", 0), ("echo", 1), ("echo", 2)]
    assert rows[("echo", 0)]["output_equal"] is True and rows[("echo", 0)]["parent_step"] == "each"
    assert rows[("echo", 1)]["output_diff"] == [{"path": "", "values": [2, 5]}]
    assert [run["status"] for run in rows[("echo", 2)]["per_execution"]] == ["succeeded", "not_run"]
    assert rows[("first", None)]["parent_step"] is None and rows[("first", None)]["output_equal"] is True


def test_a_failure_inside_an_iteration_resumes_at_its_block_reusing_every_earlier_iteration(api):
    workflow = create(
        api,
        [
            per_item("prep", [leaf("copy", "item")]),
            per_item("each", [leaf("check", "abs(item)")]),
            leaf("after", "steps.each.output"),
        ],
        name="resumable",
    )
    original_id, original = run(api, workflow, {"items": [1, "two", -3]})
    assert original["status"] == "failed" and "check" in original["error_message"]

    body = {"mode": "resume", "input_data": {"items": [1, 2, -3]}}
    status, started, _ = api.call("POST", f"/api/workflows/executions/{original_id}/retry", body)
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "completed", final
    assert final["output_data"] == [1, 2, 3]

    entries = logs(api, started["execution_id"])
    reused = [(e["step_name"], e["iteration"]) for e in entries if e["reused"]]
    assert reused == [("copy", 0), ("copy", 1), ("copy", 2)]  # every iteration of the earlier map
    ran = sorted((e["step_name"], e["iteration"]) for e in entries if not e["reused"])
    # The whole map ran again, from its first iteration: the resume point is the block, not the failed step.
    assert ran == [("after", None), ("check", 0), ("check", 1), ("check", 2)]
    originals = {(e["step_name"], e["iteration"]): e["id"] for e in logs(api, original_id)}
    assert [e["reused_from"]["log_id"] for e in entries if e["reused"]] == [originals[key] for key in reused]


def test_metrics_count_inner_steps_under_their_own_names(api):
    workflow = create(api, [per_item("each", [leaf("echo", "item")]), leaf("last", "input")])
    _, final = run(api, workflow, {"items": [1, 2, 3]})
    assert final["status"] == "completed", final
    assert moto_seams.drain_event_sources(30)
    body = metrics(api, f"workflow_id={workflow['id']}")
    assert [(s["step_name"], s["attempts"], s["failures"]) for s in body["steps"]] == [
        ("echo", 3, 0),
        ("last", 1, 0),
    ]


def test_a_map_refused_by_its_items_guard_resumes_at_the_map(api):
    # The map's "$items" guard ends the step before its Map state is entered: the resume point is still the map.
    workflow = create(
        api,
        [leaf("prepare", "input"), per_item("each", [leaf("check", "abs(item)")]), leaf("after", "steps.each.output")],
        name="guarded",
    )
    original_id, original = run(api, workflow, {"items": "not a list"})
    assert original["status"] == "failed" and "not a list" in original["error_message"], original

    body = {"mode": "resume", "input_data": {"items": [1, -2]}}
    status, started, _ = api.call("POST", f"/api/workflows/executions/{original_id}/retry", body)
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "completed", final
    assert final["output_data"] == [1, 2]
    entries = logs(api, started["execution_id"])
    assert [e["step_name"] for e in entries if e["reused"]] == ["prepare"]  # not run again: the map was the point
