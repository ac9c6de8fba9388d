"""`wfe` with approval steps, end to end (issue 21): a run followed with `--follow` prints one line when it starts
waiting for a person; `ls --waiting` and `status` show the wait; `approve` lets it finish with the decision as the
step's output; `reject` asks first and fails the step with ApprovalRejected; a decision for a step that is not
waiting (409) or for an unknown run (404) is a readable error with its exit code."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.wfe_cli import WFE, Wfe, write_definition

pytestmark = pytest.mark.xdist_group("e2e")

PAY = """
name: Pay supplier
steps:
  - {name: Price, type: transform, config: {expression: "{total: input.total}"}}
  - name: Sign off
    type: approval
    config: {message: "Pay {{input.total}} EUR to ACME?", timeout_seconds: 3600}
  - {name: Pay, type: transform, config: {expression: 'steps."Sign off".output'}}
"""
WAITING_LINE = "⏸ waiting for approval: Sign off — Pay {total} EUR to ACME?  (wfe approve {run} 'Sign off')"


@contextmanager
def followed(wfe: Wfe, workflow_id: str, total: int) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """`wfe run --follow` in a subprocess, read line by line up to the line saying the run waits (the barrier:
    from then on the run waits for a decision); yields the process, the run id and the lines read."""
    process = subprocess.Popen(  # noqa: S603 (the project's own console script)
        [str(WFE), "run", workflow_id, "--input", f'{{"total": {total}}}', "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=wfe.env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        run_id = lines[0].split()[1]  # "Run <id>"
        while not lines[-1].startswith("⏸"):
            line = process.stdout.readline()
            assert line, f"wfe ended before the run waited: {lines} {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
        yield process, run_id, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_follow_waits_then_approve_lets_the_run_finish(wfe: Wfe, tmp_path: Path) -> None:
    workflow_id = wfe.ok("workflows", "create", "-f", str(write_definition(tmp_path, "pay.yaml", PAY)), "--json")
    with followed(wfe, workflow_id.json()["id"], 120) as (process, run_id, lines):
        assert lines[-1].rstrip("\n") == WAITING_LINE.format(total=120, run=run_id), lines
        assert any(line.startswith("✓ Price") for line in lines)

        waiting = wfe.ok("ls", "--waiting", "--json").json()
        assert [(run["id"], [wait["step_name"] for wait in run["waiting_for"]]) for run in waiting] == [
            (run_id, ["Sign off"])
        ]
        table = wfe.ok("ls", "--waiting").stdout
        assert run_id in table and "Sign off" in table and "Pay 120 EUR to ACME?" in table
        status = wfe.ok("status", run_id).stdout
        assert "waiting for" in status and f"wfe approve {run_id} 'Sign off'" in status

        wrong = wfe("approve", run_id, "Price")
        assert wrong.code == 1 and "Step 'Price' of run" in wrong.stderr and "waiting for: Sign off" in wrong.stderr

        approved = wfe.ok("approve", run_id, "Sign off", "--comment", "Invoice checked")
        assert f"Approved Sign off of run {run_id}" in approved.stdout
        rest, _ = process.communicate(timeout=120)
        assert process.returncode == 0, rest
    assert "✓ Sign off" in rest and f"Run {run_id} completed" in rest
    assert WAITING_LINE.format(total=120, run=run_id) not in rest  # announced once
    final = wfe.ok("status", run_id, "--json").json()
    assert final["status"] == "completed" and final["waiting_for"] == []
    assert final["output_data"]["decision"] == "approve" and final["output_data"]["comment"] == "Invoice checked"
    again = wfe("approve", run_id, "Sign off")
    assert again.code == 1 and "is not waiting for a decision" in again.stderr and "ended: completed" in again.stderr
    assert run_id not in wfe.ok("ls", "--waiting").stdout


def test_reject_asks_first_and_fails_the_run(wfe: Wfe, tmp_path: Path) -> None:
    workflow_id = wfe.ok("workflows", "create", "-f", str(write_definition(tmp_path, "pay.yaml", PAY)), "--json")
    with followed(wfe, workflow_id.json()["id"], 9000) as (process, run_id, _):
        declined = wfe("reject", run_id, "Sign off", stdin="n\n")
        assert declined.code == 1 and "Not rejected" in declined.stderr
        assert wfe.ok("status", run_id, "--json").json()["waiting_for"][0]["step_name"] == "Sign off"

        rejected = wfe.ok("reject", run_id, "Sign off", "--comment", "Too much", "--yes")
        assert f"Rejected Sign off of run {run_id}" in rejected.stdout
        rest, _ = process.communicate(timeout=120)
        assert process.returncode == 1, rest  # --follow: the run failed
    assert "✗ Sign off" in rest and f"Run {run_id} failed" in rest
    final = wfe.ok("status", run_id, "--json").json()
    assert final["status"] == "failed" and "Too much" in (final["error_message"] or "")


def test_an_unknown_run_is_exit_3(wfe: Wfe) -> None:
    unknown = wfe("approve", "00000000-0000-4000-8000-000000000000", "Sign off")
    assert unknown.code == 3 and "does not exist, or it is not yours" in unknown.stderr
