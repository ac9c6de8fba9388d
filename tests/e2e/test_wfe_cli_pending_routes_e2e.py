"""`wfe` end to end on second-wave routes not yet on main: ls --since/--from/--to and logs --search (queries, #10),
metrics and search (/api/metrics, /api/logs, #10), retry --resume (#12). They fail until those routes land."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_wfe_cli_e2e import FAILING, GREETING, create
from tests.e2e.wfe_cli import Wfe

pytestmark = pytest.mark.xdist_group("e2e")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_ls_since_and_from_to(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=0)
    before = datetime.now(UTC) - timedelta(seconds=5)
    run = json.loads(wfe("run", workflow["id"], "--input", '{"name": "Since"}', "--wait", "--json").stdout)
    listed = lambda *args: [e["id"] for e in wfe.ok("ls", "--workflow", workflow["id"], *args, "--json").json()]  # noqa: E731
    assert listed("--since", "1h") == [run["id"]]
    assert listed("--from", _iso(before)) == [run["id"]]
    assert listed("--from", _iso(before + timedelta(hours=1))) == []
    assert listed("--to", _iso(before - timedelta(hours=1))) == []
    assert listed("--from", _iso(before), "--to", _iso(before + timedelta(hours=1)), "--status", "completed") == [
        run["id"]
    ]
    assert wfe("ls", "--from", _iso(before), "--to", _iso(before - timedelta(hours=1))).code == 2


def test_retry_resume_starts_at_the_failed_step(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, FAILING)
    failed = json.loads(wfe("run", workflow["id"], "--input", '{"name": "x"}', "--wait", "--json").stdout)
    assert failed["status"] == "failed"
    result = wfe("retry", failed["id"], "--resume", "--input", '{"name": -3}', "--wait", "--json")
    retried = json.loads(result.stdout)
    assert retried["retry_of"] == failed["id"] and retried["id"] != failed["id"]
    assert (result.code, retried["status"]) == (0, "completed"), result.stderr
    assert wfe.ok("status", failed["id"], "--json").json()["status"] == "failed"  # the original is kept
    logs = wfe.ok("logs", retried["id"], "--json").json()
    assert [(log["step_name"], log.get("reused", False)) for log in logs] == [
        ("Prepare", True),
        ("Break", False),
        ("Never", False),
    ]
    restart = wfe("retry", failed["id"], "--follow")  # restart, same input: fails again, exit 1
    assert restart.code == 1 and "✗ Break" in restart.stdout
    assert wfe("retry", retried["id"]).code == 1  # a completed run cannot be retried (409)


def test_metrics_with_a_sparkline(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, FAILING)
    for name in ("x", "y"):
        wfe("run", workflow["id"], "--input", json.dumps({"name": name}), "--wait")
    metrics = wfe.ok("metrics", workflow["name"], "--since", "2h", "--json").json()
    assert metrics["executions"]["total"] == 2
    assert metrics["executions"]["by_status"].get("failed") == 2
    assert metrics["success_rate"] == 0
    assert metrics["series"] and sum(bucket["total"] for bucket in metrics["series"]) == 2
    human = wfe.ok("metrics", workflow["id"], "--since", "2h").stdout
    assert "success rate" in human and "0.0%" in human
    assert any(block in human for block in "▁▂▃▄▅▆▇█")
    assert "Break" in human
    assert wfe.ok("metrics", "--json").json()["executions"]["total"] >= 2  # all workflows, last 7 days


def test_search_and_logs_search(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=0)
    token = f"needle{uuid.uuid4().hex[:6]}"
    run = json.loads(wfe("run", workflow["id"], "--input", json.dumps({"name": token}), "--wait", "--json").stdout)
    found = wfe.ok("search", token, "--since", "1h", "--json").json()
    assert found and {log["execution_id"] for log in found} == {run["id"]}
    assert all(log["workflow_id"] == workflow["id"] for log in found)
    assert token in wfe.ok("search", token.upper()).stdout
    assert wfe.ok("search", f"absent{uuid.uuid4().hex}", "--json").json() == []
    in_run = wfe.ok("logs", run["id"], "--search", token, "--json").json()
    assert {log["step_name"] for log in in_run} <= {"Build greeting", "Shout"} and in_run
