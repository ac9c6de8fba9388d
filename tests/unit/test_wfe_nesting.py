"""wfe shows a run of blocks as a tree: `logs` (a table, and --follow's lines) and `status`, from log objects that
carry `parent_step` and `iteration`; a flat run reads as it always did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.support.wfe_stack import fake_stack
from wfe import render
from wfe.commands import cli
from wfe.errors import NotFound
from wfe.nesting import Placements, tree
from wfe.progress import FAILED, NOT_RUN, PENDING, RUNNING, SUCCEEDED, RunState

RUN, WORKFLOW = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def leaf(name: str) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": {"expression": "input"}}


ROUTE = {
    "name": "route",
    "type": "choice",
    "config": {
        "branches": [{"when": {"path": "item.n", "op": "gt", "value": 1}, "steps": [leaf("big")]}],
        "otherwise": [leaf("small")],
    },
}
STEPS = [  # the integration test's "a choice inside a map inside a parallel"
    leaf("first"),
    {
        "name": "fan",
        "type": "parallel",
        "config": {
            "branches": [
                {
                    "name": "items",
                    "steps": [{"name": "each", "type": "map", "config": {"items": "input.items", "steps": [ROUTE]}}],
                },
                {"name": "kind", "steps": [leaf("seen")]},
            ]
        },
    },
    leaf("last"),
]


def log(
    number: int, name: str, parent: str | None = None, iteration: int | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "id": f"log-{number}",
        "execution_id": RUN,
        "step_name": name,
        "step_type": "transform",
        "attempt": 1,
        "timestamp": f"2026-11-26T07:45:{number:02d}Z",
        "duration_ms": 10,
        "output_data": {"n": number},
        "error_message": None,
        "parent_step": parent,
        "iteration": iteration,
        **fields,
    }


LOGS = [  # in time order, as the API lists them; the iterations finish out of order
    log(1, "first"),
    log(2, "seen", "fan"),
    log(3, "big", "route", 1),
    log(4, "small", "route", 0),
    log(5, "small", "route", 2, error_message="boom"),
    log(6, "small", "route", 2, attempt=2),
    log(7, "last"),
]


def text_of(renderable: Any) -> str:
    console = Console(width=160, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_tree_puts_inner_attempts_under_their_block_and_a_maps_by_iteration() -> None:
    rows = [(row.step, row.type, row.log and row.log["id"]) for row in tree(LOGS, STEPS)]
    assert rows == [
        ("first", "transform", "log-1"),
        ("fan", "parallel", None),
        ("├─ seen", "transform", "log-2"),  # the branches in the order they started
        ("└─ each", "map", None),
        ("   ├─ each[0] > route", "choice", None),  # the iterations in item order
        ("   │  └─ small", "transform", "log-4"),
        ("   ├─ each[1] > route", "choice", None),
        ("   │  └─ big", "transform", "log-3"),
        ("   └─ each[2] > route", "choice", None),
        ("      └─ small", "transform", "log-5"),  # both attempts, under their iteration
        ("      └─ small", "transform", "log-6"),
        ("last", "transform", "log-7"),
    ]


def test_a_block_with_its_own_log_heads_its_inner_attempts() -> None:
    steps = [{"name": "each", "type": "map", "config": {"items": "input", "steps": [leaf("check")]}}]
    logs = [log(1, "check", "each", 0), log(2, "check", "each", 1), log(3, "each", step_type="map")]
    assert [(row.step, row.log and row.log["id"]) for row in tree(logs, steps)] == [
        ("each", "log-3"),
        ("├─ each[0] > check", "log-1"),
        ("└─ each[1] > check", "log-2"),
    ]


def test_without_the_definition_the_logs_place_a_step_under_its_parent() -> None:
    rows = [row.step for row in tree(LOGS)]
    assert rows[:5] == ["first", "fan", "└─ seen", "route", "├─ route[0] > small"]
    assert "last" in rows


def test_paths_name_every_enclosing_block_and_the_iteration_on_the_innermost_map() -> None:
    placements = Placements.of(STEPS)
    assert placements.path(LOGS[3]) == "fan > each[0] > route > small"
    assert placements.path(LOGS[1]) == "fan > seen"
    assert placements.path(LOGS[0]) == "first"
    assert Placements().path(log(9, "check", "each", 4)) == "each[4] > check"  # nothing else known


def test_the_logs_table_of_a_run_of_blocks_is_a_tree() -> None:
    lines = text_of(render.logs_table(LOGS, steps=STEPS)).splitlines()
    assert lines[0].split() == ["TIME", "STEP", "TYPE", "ATTEMPT", "DURATION", "RESULT"]
    assert lines[4].split() == ["└─", "each", "map"]
    assert lines[5].split() == ["├─", "each[0]", ">", "route", "choice"]
    assert lines[6].split()[2:] == ["│", "└─", "small", "transform", "1", "10ms", '{"n":', "4}"]
    assert "   └─ small" in lines[10] and "boom" in lines[10]


def test_a_flat_run_reads_as_it_always_did() -> None:
    flat = [log(1, "first"), log(2, "last")]
    for entry in flat:
        del entry["parent_step"], entry["iteration"]  # today's API: the fields are absent
    lines = text_of(render.logs_table(flat)).splitlines()
    assert [line.split()[2] for line in lines[1:]] == ["first", "last"]
    assert render.log_line(flat[0]).plain.startswith("✓ 2026-11-26 07:45:01Z  first (transform, attempt 1)")
    assert "steps" not in text_of(render.execution_detail({"id": RUN, "status": "completed"}))


def test_search_across_runs_names_an_inner_step_by_its_path() -> None:
    lines = text_of(render.logs_table(LOGS, across_executions=True)).splitlines()
    assert "route[2] > small" in lines[5] and "fan > seen" in lines[2] and RUN in lines[2]


def test_a_followed_inner_log_is_indented_and_named_by_its_path() -> None:
    line = render.log_line(LOGS[4], Placements.of(STEPS)).plain
    assert line.startswith("      ✗ 2026-11-26 07:45:05Z  fan > each[2] > route > small (transform, attempt 1)")
    assert line.endswith("boom")


# --- the commands, against a fake API ------------------------------------------------------------------------
class FakeApi:
    """The answers of a run of blocks; `requests` records what was asked."""

    workflow_deleted = False

    def __init__(self, *_: Any) -> None:
        self.requests: list[str] = []

    def get(self, path: str, **params: Any) -> Any:
        self.requests.append(path)
        if path.endswith("/logs"):
            return LOGS
        if path == f"/api/workflows/executions/{RUN}":
            return {"id": RUN, "workflow_id": WORKFLOW, "status": "failed", "error_message": "boom"}
        if path == f"/api/workflows/{WORKFLOW}":
            if self.workflow_deleted:
                raise NotFound("gone")
            return {"id": WORKFLOW, "name": "wf", "version": 1, "steps": STEPS}
        raise AssertionError(path)


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, "--outputs", str(outputs)])
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_wfe_logs_shows_the_tree(wfe: Any) -> None:
    output = wfe("logs", RUN)
    assert "   ├─ each[1] > route" in output and "   │  └─ big" in output


def test_wfe_logs_json_passes_the_new_fields_through(wfe: Any) -> None:
    assert json.loads(wfe("logs", RUN, "--json")) == LOGS


def test_wfe_status_shows_the_steps_of_a_run_of_blocks(wfe: Any) -> None:
    output = wfe("status", RUN)
    assert "error" in output and "steps" in output
    assert "   └─ each[2] > route" in output
    assert json.loads(wfe("status", RUN, "--json"))["status"] == "failed"


def test_without_the_workflow_status_still_shows_the_tree(wfe: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FakeApi, "workflow_deleted", True)
    assert "├─ route[0] > small" in wfe("status", RUN)


# --- a followed run (`wfe run --follow`): one line per top-level step -------------------------------------------
def lines_of(status: str, logs: list[dict[str, Any]], steps: list[dict[str, Any]] = STEPS) -> list[tuple[str, str]]:
    state = RunState(steps=steps, execution={"id": RUN, "status": status})
    for entry in logs:
        state.add_log(entry)
    return [(line.name, line.state) for line in state.lines()]


def test_a_block_is_done_by_its_inner_steps_logs() -> None:
    assert lines_of("completed", LOGS) == [("first", SUCCEEDED), ("fan", SUCCEEDED), ("last", SUCCEEDED)]
    assert lines_of("running", LOGS[:3]) == [("first", SUCCEEDED), ("fan", RUNNING), ("last", PENDING)]


def test_a_run_that_ended_in_a_block_failed_in_it_with_its_last_inner_error() -> None:
    state = RunState(steps=STEPS, execution={"id": RUN, "status": "failed"})
    for entry in LOGS[:5]:
        state.add_log(entry)
    failed = state.failed_step()
    assert failed is not None and (failed.name, failed.error) == ("fan", "boom")
    assert [line.state for line in state.lines()] == [SUCCEEDED, FAILED, NOT_RUN]


def test_without_the_definition_only_top_level_steps_are_lines() -> None:
    assert lines_of("completed", LOGS, steps=[]) == [
        ("first", SUCCEEDED),
        ("fan", SUCCEEDED),
        ("route", SUCCEEDED),  # the logs name no parent of `route`: it stands for the block they ran in
        ("last", SUCCEEDED),
    ]


def test_workflows_show_draws_blocks_as_a_tree() -> None:
    every = {"id": WORKFLOW, "name": "wf", "version": 1, "steps": STEPS}
    lines = [line.rstrip() for line in text_of(render.workflow_detail(every)).splitlines()]
    assert lines[3].split() == ["2", "fan", "parallel", "-"]
    assert lines[4].strip() == '├─ branch "items"'
    assert lines[5].split()[:4] == ["│", "└─", "each", "map"]
    assert lines[6].split()[-4:] == ["each", "item", "of", "input.items"]
    assert lines[8].strip() == "│           ├─ when item.n gt 1"
    assert lines[10].strip() == "│           └─ otherwise"
    assert lines[14].split()[:3] == ["3", "last", "transform"]
    flat = text_of(render.workflow_detail({"id": WORKFLOW, "name": "wf", "version": 1, "steps": [leaf("only")]}))
    assert flat.splitlines()[2].split() == ["1", "only", "transform", '{"expression":', '"input"}', "-"]
