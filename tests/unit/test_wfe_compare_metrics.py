"""`wfe compare` and `wfe metrics` against a fake API at COLUMNS=80: each run's workflow by name, a step that failed
in one run and did not run in the other told apart from an output difference, one metrics row per step of each
workflow with the workflow's name, and buckets that suit the range."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.support.wfe_stack import fake_stack
from wfe import render
from wfe.commands import cli, metrics_granularity

A, B = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
WA, WB = "aaaaaaaa-1111-4111-8111-111111111111", "bbbbbbbb-2222-4222-8222-222222222222"
WORKFLOWS = [{"id": WA, "name": "Greets then checks"}, {"id": WB, "name": "Only greets"}]


def run(execution_id: str, status: str, attempts: int = 1, duration: int | None = 5) -> dict[str, Any]:
    return {"execution_id": execution_id, "status": status, "attempts": attempts, "duration_ms": duration}


COMPARISON = {
    "executions": [
        {"id": A, "workflow_id": WA, "status": "failed", "started_at": None, "completed_at": None},
        {"id": B, "workflow_id": WB, "status": "completed", "started_at": None, "completed_at": None},
    ],
    "input_diff": [{"path": "/v", "values": ["x", None]}],
    "output_diff": [],
    "steps": [
        {
            "step_name": "Greet",
            "step_type": "transform",
            "per_execution": [run(A, "succeeded"), run(B, "succeeded")],
            "output_equal": True,
            "output_diff": [],
            "difference": "same",
        },
        {
            "step_name": "Check",
            "step_type": "transform",
            "per_execution": [run(A, "failed", 2, 40), run(B, "not_run", 0, None)],
            "output_equal": True,
            "output_diff": [],
            "difference": "status",
        },
        {
            "step_name": "Receipt",
            "step_type": "transform",
            "per_execution": [run(A, "succeeded"), run(B, "not_run", 0, None)],
            "output_equal": False,
            "output_diff": [{"path": "", "values": [None, None]}],
            "difference": "status",
        },
        {
            "step_name": "Total",
            "step_type": "transform",
            "per_execution": [run(A, "succeeded"), run(B, "succeeded")],
            "output_equal": False,
            "output_diff": [{"path": "/sum", "values": [3, 4]}],
            "difference": "output",
        },
    ],
}


def step_row(workflow_id: str | None, name: str, attempts: int, failures: int) -> dict[str, Any]:
    return {
        "step_name": name,
        "step_type": "transform",
        "workflow_id": workflow_id,
        "attempts": attempts,
        "failures": failures,
        "failure_rate": failures / attempts,
        "duration_ms": {"p50": 12, "p90": 30, "p99": 45, "mean": 15},
    }


METRICS = {
    "from": "2026-11-28T00:00:00Z",
    "to": "2026-12-05T00:00:00Z",
    "granularity": "day",
    "executions": {"total": 5, "by_status": {"completed": 4, "failed": 1}},
    "success_rate": 0.8,
    "duration_ms": {"p50": 800, "p90": 2500, "p99": 4000, "mean": 1000, "max": 4100},
    "steps": [
        step_row(WB, "Build greeting", 2, 0),
        step_row(WA, "Build greeting", 3, 1),
        step_row(WA, "Check", 3, 0),
        step_row(None, "Build greeting", 7, 2),
    ],
    "series": [{"start": f"d{i}", "total": i, "completed": i, "failed": 0} for i in range(7)],
}


class FakeApi:
    calls: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def get(self, path: str, **params: Any) -> Any:
        FakeApi.calls.append((path, params))
        return COMPARISON if path.endswith("/compare") else METRICS

    def pages(self, path: str, params: dict[str, Any], follow: bool) -> Any:
        FakeApi.calls.append((path, params))
        yield WORKFLOWS, None


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    FakeApi.calls = []

    def invoke(*args: str) -> Any:
        """The command's exit code and what it printed, on an 80-column terminal."""
        monkeypatch.setattr(render, "out", Console(width=80, highlight=False, soft_wrap=False, color_system=None))
        with render.out.capture() as captured:
            result = CliRunner().invoke(cli, [*args, "--outputs", str(outputs)], env={"COLUMNS": "80"})
        printed = captured.get() + result.output
        return result.exit_code, printed

    return invoke


def step_cells(output: str) -> dict[str, list[str]]:
    """The Steps table's rows: step -> its other cells, a cell folded over several lines joined with spaces."""
    table = output[output.index("Steps") :].split("└")[0].splitlines()
    rows: dict[str, list[list[str]]] = {}
    current = None
    for line in table:
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if cells[0]:
            current = cells[0]
            rows[current] = [[cell] for cell in cells[1:]]
        elif current:
            for parts, cell in zip(rows[current], cells[1:], strict=True):
                parts.append(cell)
    return {step: [" ".join(part for part in parts if part) for parts in cells] for step, cells in rows.items()}


def lines_with(output: str, word: str) -> list[str]:
    return [line for line in output.splitlines() if word in line]


def test_compare_names_each_runs_workflow_and_tells_a_status_difference_from_an_output_one(wfe: Any) -> None:
    code, output = wfe("compare", A, B)
    assert code == 0, output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    assert "Greets then" in lines_with(output, A)[0]  # the name (folded at 80 columns by the runs table)
    assert "Only greets" in lines_with(output, B)[0]
    steps = step_cells(output)
    assert steps["Check"] == ["transform", "failed 40ms ×2", "not run", "failed here, not run there"]
    assert steps["Receipt"][1:] == ["succeeded 5ms", "not run", "succeeded here, not run there"]
    assert steps["Greet"][-1] == "same" and steps["Total"][-1] == "output differs"
    assert "Output of Check" not in output  # no output to compare: no output table
    assert "Output of Total" in output
    # Receipt output null in one run and did not run in the other: the diff says so, not "null | null".
    receipt_table = output[output.index("Output of Receipt") :]
    (root,) = [line for line in receipt_table.splitlines() if line.startswith("│ /")][:1]
    assert "null" in root and "(not run)" in root


def test_compare_json_carries_the_difference(wfe: Any) -> None:
    code, output = wfe("compare", A, B, "--json")
    assert code == 0, output
    assert [step["difference"] for step in json.loads(output)["steps"]] == ["same", "status", "status", "output"]


def test_metrics_list_one_row_per_step_of_each_workflow_under_its_name_at_80_columns(wfe: Any) -> None:
    code, output = wfe("metrics")
    assert code == 0, output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    table = output[output.index("STEP") :].splitlines()[1:]
    assert [line.strip().split("  ")[0] for line in table if line.strip()] == [
        "earlier, all workflows",  # attempts recorded before rows were kept per workflow: listed first
        "Build greeting",
        "Greets then checks",
        "Build greeting",
        "Check",
        "Only greets",
        "Build greeting",
    ]
    rows = lines_with(output, "Build greeting")
    assert [row.split()[3:6] for row in rows] == [["7", "2", "28.6%"], ["3", "1", "33.3%"], ["2", "0", "0.0%"]]
    metrics_call = next(params for path, params in FakeApi.calls if path == "/api/metrics")
    assert metrics_call["granularity"] == "day"  # the default week, in days


def test_metrics_name_each_rows_workflow_in_a_wide_terminal() -> None:
    console = Console(width=120, color_system=None, record=True)
    console.print(render.metrics_view(METRICS, "All workflows", {w["id"]: w["name"] for w in WORKFLOWS}))
    output = console.export_text()
    rows = lines_with(output, "Build greeting")
    named = [row.split("  ")[0].strip() for row in rows]
    assert named == ["earlier, all workflows", "Greets then checks", "Only greets"]
    assert re.search(r"Greets then checks +Check ", output)
    assert "WORKFLOW" in lines_with(output, "STEP")[0]


def test_a_deleted_workflows_rows_are_named_by_its_id() -> None:
    console = Console(width=120, color_system=None, record=True)
    console.print(render.metrics_view(METRICS, "All workflows", {}))
    assert len(lines_with(console.export_text(), WA[:8])) == 2


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        (None, None, "hour"),
        ("2026-12-04T12:00:00Z", None, "hour"),
        ("2026-12-03T12:00:00Z", None, "hour"),  # exactly 2 days
        ("2026-12-03T11:00:00Z", None, "day"),
        ("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "hour"),
        ("2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z", "day"),
    ],
)
def test_metrics_buckets_suit_the_range(after: str | None, before: str | None, expected: str) -> None:
    assert metrics_granularity(after, before, now=datetime(2026, 12, 5, 12, tzinfo=UTC)) == expected
