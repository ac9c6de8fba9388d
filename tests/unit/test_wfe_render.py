"""wfe's Rich views rendered to text: the live run, compare's diff tables, metrics with its sparkline, cancel."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from wfe import render
from wfe.progress import RunState

A, B = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def text_of(renderable: Any) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_a_live_run_shows_done_running_and_pending_steps() -> None:
    steps = [
        {"name": "Load", "type": "transform"},
        {"name": "Call", "type": "http", "retry": {"max_attempts": 3}},
        {"name": "Save", "type": "transform"},
    ]
    state = RunState(steps=steps, execution={"id": A, "status": "running"})
    state.add_log({"id": "1", "step_name": "Load", "attempt": 1, "duration_ms": 12, "timestamp": "t1"})
    state.add_log({"id": "2", "step_name": "Call", "attempt": 1, "error_message": "503", "timestamp": "t2"})
    lines = text_of(render.LiveRun(state, f"Run {A}")).splitlines()
    assert lines[0].startswith(f"Run {A}") and "running" in lines[0]
    assert lines[1].startswith("✓ Load  transform  12ms")
    assert "Call  http" in lines[2] and "attempt 1 failed: 503; retrying" in lines[2] and not lines[2].startswith("✓")
    assert lines[3].startswith("· Save")


def test_the_summary_shows_the_output_or_the_failed_step() -> None:
    done = RunState(steps=[], execution={"id": A, "status": "completed", "output_data": {"ok": True}})
    assert '"ok": true' in text_of(render.run_summary(done))
    failed = RunState(steps=[{"name": "Call", "type": "http"}], execution={"id": A, "status": "failed"})
    failed.execution["error_message"] = "A step failed with an internal error"
    failed.add_log({"id": "1", "step_name": "Call", "attempt": 1, "error_message": "HTTP 503", "timestamp": "t"})
    summary = text_of(render.run_summary(failed))
    assert "Error: A step failed with an internal error" in summary and "Failed step: Call: HTTP 503" in summary


def test_compare_renders_the_diff_tables() -> None:
    comparison = {
        "executions": [{"id": A, "status": "completed"}, {"id": B, "status": "failed"}],
        "input_diff": [{"path": "/name", "values": ["Ada", "Bo"]}],
        "output_diff": [],
        "steps": [
            {
                "step_name": "Load",
                "step_type": "transform",
                "per_execution": [
                    {"execution_id": A, "status": "succeeded", "attempts": 1, "duration_ms": 5},
                    {"execution_id": B, "status": "failed", "attempts": 3, "duration_ms": 1500},
                ],
                "output_equal": False,
                "output_diff": [{"path": "/text", "values": ["Hello Ada", None]}],
            }
        ],
    }
    text = text_of(render.compare_view(comparison))
    assert "Input differences" in text and "/name" in text and "Ada" in text and "Bo" in text
    assert "Output differences: none" in text
    assert "succeeded 5ms" in text and "failed 1.5s ×3" in text
    assert "Output of Load" in text and "Hello Ada" in text and "(failed)" in text  # failed: no output, not null
    assert "succeeded here, failed there" in text


def test_metrics_show_percentiles_success_rate_and_a_sparkline() -> None:
    metrics = {
        "from": "2026-11-19T00:00:00Z",
        "to": "2026-11-26T00:00:00Z",
        "executions": {"total": 12, "by_status": {"completed": 9, "failed": 3}},
        "success_rate": 0.75,
        "duration_ms": {"p50": 800, "p90": 2500, "p99": 4000, "mean": 1000, "max": 4100},
        "steps": [
            {
                "step_name": "Call",
                "step_type": "http",
                "attempts": 15,
                "failures": 3,
                "failure_rate": 0.2,
                "duration_ms": {"p50": 300, "p90": 900, "p99": 1200, "mean": 400},
            }
        ],
        "series": [
            {"start": f"d{i}", "total": total, "completed": total, "failed": 0} for i, total in enumerate([0, 2, 4, 6])
        ],
    }
    text = text_of(render.metrics_view(metrics, "All workflows"))
    assert "executions    12" in text and "completed 9" in text and "failed 3" in text
    assert "success rate  75.0%" in text
    assert "p50 800ms  p90 2.5s  p99 4.0s" in text
    assert " ▃▆█" in text
    assert "Call" in text and "20.0%" in text


def test_cancel_outcomes_table() -> None:
    results = [
        {"execution_id": A, "outcome": "cancelled", "status": "cancelled"},
        {"execution_id": B, "outcome": "error", "status": "running", "message": "Step Functions failed"},
    ]
    text = text_of(render.cancel_table(results))
    assert A in text and B in text and "Step Functions failed" in text


def _row(name: str, parent: str | None, iteration: int | None, outputs: tuple[Any, Any]) -> dict[str, Any]:
    equal = outputs[0] == outputs[1]
    return {
        "step_name": name,
        "step_type": "transform",
        "parent_step": parent,
        "iteration": iteration,
        "per_execution": [
            {"execution_id": A, "status": "succeeded", "attempts": 1, "duration_ms": 5},
            {"execution_id": B, "status": "succeeded", "attempts": 1, "duration_ms": 7},
        ],
        "output_equal": equal,
        "output_diff": [] if equal else [{"path": "/ok", "values": list(outputs)}],
    }


def test_compare_names_a_map_row_by_its_iteration() -> None:
    comparison = {
        "executions": [{"id": A, "status": "completed"}, {"id": B, "status": "completed"}],
        "input_diff": [],
        "output_diff": [],
        "steps": [
            _row("Load", None, None, (1, 1)),
            _row("check line", "each line", 0, (True, True)),
            _row("check line", "each line", 1, (True, False)),
        ],
    }
    lines = text_of(render.compare_view(comparison)).splitlines()
    rows = [line.split("│")[1].strip() for line in lines if "succeeded" in line]
    assert rows == ["Load", "each line[0] > check line", "each line[1] > check line"]
    assert any("Output of each line[1] > check line" in line for line in lines)


def test_compare_places_the_iteration_on_the_map_not_on_a_block_inside_it() -> None:
    steps = [
        {
            "name": "each line",
            "type": "map",
            "config": {
                "items": "input.lines",
                "steps": [
                    {
                        "name": "Route",
                        "type": "choice",
                        "config": {"branches": [{"when": {"path": "item.big", "op": "true"}, "steps": []}]},
                    }
                ],
            },
        }
    ]
    steps[0]["config"]["steps"][0]["config"]["branches"][0]["steps"] = [{"name": "Price", "type": "transform"}]
    comparison = {"executions": [{"id": A}, {"id": B}], "steps": [_row("Price", "Route", 2, (1, 1))]}
    assert "each line[2] > Route > Price" in text_of(render.compare_view(comparison, steps))


def test_status_names_a_child_s_parent_and_a_parent_s_children() -> None:
    child = {"id": "c1", "workflow_id": "w", "status": "completed", "parent_execution_id": "p1", "output_data": 1}
    assert "parent     p1" in text_of(render.execution_detail(child))
    parent = {"id": "p1", "workflow_id": "w", "status": "running", "parent_execution_id": None}
    shown = text_of(
        render.execution_detail(
            parent, children=[{"id": "c1", "status": "completed"}, {"id": "c2", "status": "running"}]
        )
    )
    assert "children   c1 completed" in shown and "c2 running" in shown
    assert "parent " not in shown
