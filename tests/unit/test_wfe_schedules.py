"""`wfe schedules ls|add|rm|pause|resume` against a fake API, at COLUMNS=80: the bodies sent, a schedule named by
its first characters, pause/resume as a full PUT, a JSON --input refused when it is not JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.wfe_stack import fake_stack
from wfe.commands import cli

WORKFLOW = "11111111-1111-4111-8111-111111111111"
SCHEDULE = {
    "id": "22222222-2222-4222-8222-222222222222",
    "workflow_id": WORKFLOW,
    "expression": "cron(0 2 * * ? *)",
    "timezone": "Europe/Paris",
    "input_data": {"report": "daily"},
    "enabled": True,
    "overlap": "skip",
    "next_run_at": "2026-12-06T02:00:00+01:00",
}


class FakeApi:
    calls: list[tuple[str, str, Any]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def get(self, path: str, **params: Any) -> Any:
        FakeApi.calls.append(("GET", path, None))
        return SCHEDULE if path.endswith(SCHEDULE["id"]) else [SCHEDULE]

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        FakeApi.calls.append((method, path, kwargs.get("json")))
        return {**SCHEDULE, **(kwargs.get("json") or {})}


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    FakeApi.calls = []

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli, [*args, "--outputs", str(outputs)], env={"COLUMNS": "80"})

    return invoke


def test_ls_shows_each_schedule_and_its_next_run(wfe: Any) -> None:
    result = wfe("schedules", "ls", WORKFLOW)
    assert result.exit_code == 0, result.output
    assert SCHEDULE["id"] in result.output and "Europe/Paris" in result.output and "2026-12-06 02:00" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    assert json.loads(wfe("schedules", "ls", WORKFLOW, "--json").output) == [SCHEDULE]


def test_add_sends_the_whole_schedule(wfe: Any) -> None:
    result = wfe(
        "schedules", "add", WORKFLOW, "cron(0 2 * * ? *)", "-z", "Europe/Paris", "--input", '{"a": 1}', "--skip-overlap"
    )
    assert result.exit_code == 0, result.output
    assert FakeApi.calls[-1] == (
        "POST",
        f"/api/workflows/{WORKFLOW}/schedules",
        {
            "expression": "cron(0 2 * * ? *)",
            "timezone": "Europe/Paris",
            "input_data": {"a": 1},
            "enabled": True,
            "overlap": "skip",
        },
    )
    assert wfe("schedules", "add", WORKFLOW, "rate(1 day)", "--input", "{nope").exit_code != 0


def test_pause_and_resume_put_the_schedule_back_with_enabled_changed(wfe: Any) -> None:
    assert wfe("schedules", "pause", WORKFLOW, "2222").exit_code == 0
    method, path, body = FakeApi.calls[-1]
    assert (method, path) == ("PUT", f"/api/workflows/{WORKFLOW}/schedules/{SCHEDULE['id']}")
    assert body == {**{k: SCHEDULE[k] for k in ("expression", "timezone", "input_data", "overlap")}, "enabled": False}
    assert wfe("schedules", "resume", WORKFLOW, "2222").exit_code == 0
    assert FakeApi.calls[-1][2]["enabled"] is True


def test_rm_deletes_by_prefix_and_refuses_an_unknown_one(wfe: Any) -> None:
    assert wfe("schedules", "rm", WORKFLOW, "2222").exit_code == 0
    assert FakeApi.calls[-1] == ("DELETE", f"/api/workflows/{WORKFLOW}/schedules/{SCHEDULE['id']}", None)
    assert wfe("schedules", "rm", WORKFLOW, "9999").exit_code != 0
