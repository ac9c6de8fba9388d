"""`wfe` end to end on the second-wave routes: cancel (batch-cancel), compare, and --follow over the WebSocket."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_wfe_cli_e2e import GREETING, create
from tests.e2e.wfe_cli import Wfe

pytestmark = pytest.mark.xdist_group("e2e")


def test_cancel_two_runs_then_again(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=120)
    first, second = (
        wfe.ok("run", workflow["id"], "--input", '{"name": "C"}', "--json").json()["execution_id"] for _ in range(2)
    )
    answer = wfe.ok("cancel", first, second, "--json").json()
    assert [(r["execution_id"], r["outcome"], r["status"]) for r in answer["results"]] == [
        (first, "cancelled", "cancelled"),
        (second, "cancelled", "cancelled"),
    ]
    again = wfe("cancel", first, second)
    assert again.code == 1 and again.stdout.count("conflict") == 2
    missing = str(uuid.uuid4())
    result = wfe("cancel", first, missing, "--json")
    assert result.code == 3
    assert [r["outcome"] for r in json.loads(result.stdout)["results"]] == ["conflict", "not_found"]


def test_compare_two_runs(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=0)
    runs = [
        json.loads(wfe("run", workflow["id"], "--input", json.dumps({"name": name}), "--wait", "--json").stdout)["id"]
        for name in ("Ada", "Bo")
    ]
    comparison = wfe.ok("compare", *runs, "--json").json()
    assert [e["id"] for e in comparison["executions"]] == runs
    assert {"path": "/name", "values": ["Ada", "Bo"]} in comparison["input_diff"]
    assert [s["step_name"] for s in comparison["steps"]] == ["Build greeting", "Pause", "Shout"] or [
        s["step_name"] for s in comparison["steps"]
    ] == ["Build greeting", "Shout"]
    human = wfe.ok("compare", *runs).stdout
    assert "Input differences" in human and "/name" in human and "Build greeting" in human
    assert wfe("compare", runs[0], str(uuid.uuid4())).code == 3


def test_follow_uses_the_websocket(wfe: Wfe, tmp_path: Path) -> None:
    outputs = json.loads(wfe.outputs.read_text())["WorkflowEngine"]
    assert outputs.get("WebSocketUrl"), "the stack's outputs name no WebSocketUrl"
    workflow = create(wfe, tmp_path, GREETING, pause=2)
    result = wfe.ok("run", workflow["id"], "--input", '{"name": "Socket"}', "--follow")
    assert "polling instead" not in result.stderr
    assert "✓ Pause" in result.stdout and "Hello Socket" in result.stdout
