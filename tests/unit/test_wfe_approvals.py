"""wfe and approval steps, against a fake API: `approve`, `reject` (confirmed), their 409/404 messages,
`ls --waiting`, `status`'s waiting rows and the line `run --follow` prints when a run starts waiting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.wfe_stack import fake_stack
from wfe import live, render
from wfe.commands import cli
from wfe.errors import Conflict, Exit, NotFound
from wfe.progress import RunState

RUN, OTHER, WORKFLOW = (
    "11111111-1111-4111-8111-111111111111",
    "33333333-3333-4333-8333-333333333333",
    "22222222-2222-4222-8222-222222222222",
)
WAIT = {"step_name": "sign off", "message": "Pay 120 EUR to ACME?", "since": "2026-12-05T07:00:00.123456Z"}
STEPS = [
    {"name": "price", "type": "transform", "config": {"expression": "input"}},
    {"name": "sign off", "type": "approval", "config": {"message": "Pay {{input.total}} EUR to ACME?"}},
]


def execution(run: str = RUN, status: str = "running", waiting: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": run,
        "workflow_id": WORKFLOW,
        "status": status,
        "started_at": "2026-12-05T06:59:59Z",
        "input_data": {"total": 120},
        "waiting_for": waiting or [],
    }


def log(step: str, output: Any = None, at: str = "2026-12-05T06:59:59.5Z") -> dict[str, Any]:
    return {"id": f"{step}-1", "step_name": step, "attempt": 1, "output_data": output, "timestamp": at}


class FakeApi:
    """Answers from class attributes a test sets; `posts` and `gets` record what was asked."""

    decision_error: Exception | None = None
    listing: list[dict[str, Any]] = []
    rounds: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []  # (status object, logs) per poll

    def __init__(self, stack: Any, *_: Any) -> None:
        self.stack = stack
        self.posts: list[tuple[str, Any]] = []
        self.gets: list[tuple[str, dict[str, Any]]] = []
        FakeApi.last = self

    def post(self, path: str, body: Any = None, **_: Any) -> Any:
        self.posts.append((path, body))
        if path.endswith("/execute"):
            return {"execution_id": RUN, "status": "pending"}
        if self.decision_error is not None:
            raise self.decision_error
        return execution(waiting=[])

    def get(self, path: str, **params: Any) -> Any:
        self.gets.append((path, params))
        if path == f"/api/workflows/{WORKFLOW}":
            return {"id": WORKFLOW, "name": "pay", "version": 1, "steps": STEPS}
        round_ = self.rounds[0] if self.rounds else (execution(waiting=[WAIT]), [])
        if path.endswith("/logs"):
            return round_[1]
        if path == f"/api/workflows/executions/{RUN}":
            if len(self.rounds) > 1:
                self.rounds.pop(0)  # each status read moves the fake run on
            return round_[0]
        raise AssertionError(path)

    def collect(self, path: str, params: dict[str, Any], follow: bool) -> tuple[list[Any], None]:
        self.gets.append((path, params))
        return self.listing, None

    def pages(self, path: str, params: dict[str, Any], follow: bool) -> Any:
        yield [{"id": WORKFLOW, "name": "pay"}], None  # the workflows whose names lists show


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    monkeypatch.setattr(FakeApi, "decision_error", None)
    monkeypatch.setattr(FakeApi, "last", None, raising=False)
    monkeypatch.setattr(live, "POLL_FIRST_SECONDS", 0.0)  # the fake run moves on at each read: no need to wait

    def invoke(*args: str, code: int = 0, stdin: str | None = None) -> str:
        result = CliRunner().invoke(cli, [*args, "--outputs", str(outputs)], input=stdin)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def flat(output: str) -> str:
    """Error text as one line (stderr wraps at 80 columns)."""
    return " ".join(output.split())


# --- approve / reject ----------------------------------------------------------------------------------------
def test_approve_posts_the_decision_and_the_comment(wfe: Any) -> None:
    output = wfe("approve", RUN, "sign off", "--comment", "ok by me")
    assert FakeApi.last.posts == [
        (f"/api/workflows/executions/{RUN}/approvals/sign%20off", {"decision": "approve", "comment": "ok by me"})
    ]
    assert "Approved sign off of run" in output and "ok by me" in output
    assert json.loads(wfe("approve", RUN, "sign off", "--json"))["id"] == RUN
    assert FakeApi.last.posts[-1][1] == {"decision": "approve"}  # no comment: none sent


def test_reject_asks_first_and_sends_nothing_when_declined(wfe: Any) -> None:
    output = wfe("reject", RUN, "sign off", stdin="n\n", code=Exit.RUN_FAILED)
    assert "Reject 'sign off'" in output and "Not rejected" in output
    assert FakeApi.last is None  # declined before any request
    wfe("reject", RUN, "sign off", "--comment", "too much", stdin="y\n")
    assert FakeApi.last.posts[-1][1] == {"decision": "reject", "comment": "too much"}
    output = wfe("reject", RUN, "sign off", "--yes")
    assert "Reject '" not in output and "Rejected sign off" in output
    assert FakeApi.last.posts[-1][1] == {"decision": "reject"}


def test_a_step_not_waiting_is_a_readable_409_saying_what_the_run_does(wfe: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(FakeApi, "decision_error", Conflict("Not possible in its current state"))
    monkeypatch.setattr(FakeApi, "rounds", [(execution(waiting=[WAIT]), [])])
    output = flat(wfe("approve", RUN, "other", code=Exit.RUN_FAILED))
    assert "Step 'other' of run" in output and "is not waiting for a decision" in output
    assert "waiting for: sign off" in output
    monkeypatch.setattr(FakeApi, "rounds", [(execution(status="cancelled"), [])])
    assert "The run has ended: cancelled" in flat(wfe("reject", RUN, "sign off", "--yes", code=Exit.RUN_FAILED))


def test_an_unknown_or_foreign_run_is_a_readable_404(wfe: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(FakeApi, "decision_error", NotFound("Not found"))
    output = flat(wfe("approve", RUN, "sign off", code=Exit.NOT_FOUND))
    assert f"No run {RUN}: it does not exist, or it is not yours" in output


# --- ls --waiting, status ---------------------------------------------------------------------------------------
def test_ls_waiting_lists_only_running_runs_that_wait_with_their_step_and_since(wfe: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(FakeApi, "listing", [execution(waiting=[WAIT]), execution(run=OTHER)])
    monkeypatch.setattr(render.out, "_width", 160)  # a wide terminal: at 80 columns the message column folds
    output = wfe("ls", "--waiting")
    assert FakeApi.last.gets[-1][1]["status_filter"] == "running"
    assert RUN in output and OTHER not in output
    assert "sign off" in output and "2026-12-05 07:00:00Z" in output and "Pay 120 EUR" in output
    assert [run["id"] for run in json.loads(wfe("ls", "--waiting", "--json"))] == [RUN]
    monkeypatch.setattr(FakeApi, "listing", [execution(run=OTHER)])
    assert "No run is waiting for a decision" in wfe("ls", "--waiting")
    assert "leave out --status" in wfe("ls", "--waiting", "--status", "failed", code=Exit.USAGE)


def test_status_shows_what_the_run_waits_for_and_how_to_decide(wfe: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(FakeApi, "rounds", [(execution(waiting=[WAIT]), [log("price")])])
    output = wfe("status", RUN)
    assert "waiting for" in output and "⏸ sign off" in output and "Pay 120 EUR to ACME?" in output
    assert f"wfe approve {RUN} 'sign off'" in output
    monkeypatch.setattr(FakeApi, "rounds", [(execution(status="completed"), [log("price")])])
    assert "waiting for" not in wfe("status", RUN)


# --- run --follow -------------------------------------------------------------------------------------------------
def test_follow_prints_one_line_when_the_run_starts_waiting(wfe: Any, monkeypatch: Any) -> None:
    waiting = execution(waiting=[WAIT])
    decided = [log("price"), log("sign off", {"decision": "approve"}, at="2026-12-05T07:01:00Z")]
    done = {**execution(status="completed"), "output_data": {"ok": True}}
    rounds = [
        (execution(), []),  # watch_run's first read
        (execution(), [log("price")]),
        (waiting, [log("price")]),
        (waiting, [log("price")]),  # still waiting: announced once
        (execution(), decided),
        (done, decided),
    ]
    monkeypatch.setattr(FakeApi, "rounds", rounds)
    output = wfe("run", WORKFLOW, "--follow")
    notice = f"⏸ waiting for approval: sign off — Pay 120 EUR to ACME?  (wfe approve {RUN} 'sign off')"
    assert output.count(notice) == 1, output
    assert output.index("✓ price") < output.index(notice) < output.index("✓ sign off")


def test_wait_says_once_on_stderr_that_the_run_waits_for_a_person(wfe: Any, monkeypatch: Any) -> None:
    waiting = execution(waiting=[WAIT])
    decided = [log("price"), log("sign off", {"decision": "approve"}, at="2026-12-05T07:01:00Z")]
    rounds = [
        (execution(), []),
        (waiting, [log("price")]),
        (waiting, [log("price")]),
        (execution(status="completed"), decided),
    ]
    monkeypatch.setattr(FakeApi, "rounds", rounds)
    output = wfe("run", WORKFLOW, "--wait")
    assert output.count("⏸ waiting for approval: sign off") == 1, output
    monkeypatch.setattr(FakeApi, "rounds", list(rounds))
    assert "waiting for approval" not in wfe("run", WORKFLOW, "--wait", "--json")  # --json: the document only


def test_an_approval_message_starts_a_wait_and_the_steps_log_ends_it() -> None:
    state = RunState(steps=STEPS, execution=execution())
    message = {"type": "approval", "execution_id": RUN, "step_name": "sign off", "message": "Pay?"}
    assert live._concerns(message, RUN) and not live._concerns({**message, "execution_id": OTHER}, RUN)
    assert state.add_waiting(message) and not state.add_waiting(message)
    assert state.waiting == {"sign off": {"step_name": "sign off", "message": "Pay?"}}
    state.add_log(log("sign off", {"decision": "approve"}))
    assert state.waiting == {}
    state.add_execution(execution(waiting=[WAIT]))
    assert list(state.waiting) == ["sign off"]
    state.add_execution(execution(status="cancelled", waiting=[WAIT]))  # an ended run waits for nothing
    assert state.waiting == {} and not state.add_waiting(message)


def test_logs_follow_says_when_the_run_waits_and_skips_approval_messages_in_json(wfe: Any, monkeypatch: Any) -> None:
    decided = log("sign off", {"decision": "approve"}, at="2026-12-05T07:01:00Z")
    events = [
        {"type": "approval", "execution_id": RUN, "step_name": "sign off", "message": "Pay 120 EUR to ACME?"},
        {"type": "execution", "execution": execution(waiting=[WAIT])},  # the same wait: not announced again
        {"type": "log", "execution_id": RUN, "log": decided},
        {"type": "execution", "execution": execution(status="completed")},
    ]
    monkeypatch.setattr(FakeApi, "rounds", [(execution(), [log("price")])])
    monkeypatch.setattr(live, "updates", lambda *_, **__: iter(events))
    output = wfe("logs", RUN, "--follow")
    assert output.count("⏸ waiting for approval: sign off — Pay 120 EUR to ACME?") == 1, output
    lines = output.splitlines()
    assert ["price" in lines[0], lines[1].startswith("⏸"), "sign off (" in lines[2]] == [True, True, True], lines
    lines = [json.loads(line) for line in wfe("logs", RUN, "--follow", "--json").splitlines()]
    assert [line["step_name"] for line in lines] == ["price", "sign off"]
