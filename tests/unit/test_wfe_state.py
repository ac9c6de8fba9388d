"""wfe's local state and run view: the token store (mode 0600), step lines, polling with backoff."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from wfe import live
from wfe.config import Session, Stack, TokenStore, load_stack
from wfe.errors import Exit, UsageError
from wfe.progress import FAILED, NOT_RUN, PENDING, RUNNING, SUCCEEDED, RunState, step_lines

STACK = Stack(api_url="http://127.0.0.1:8000", user_pool_id="pool", client_id="client", region="us-east-1")
OTHER = Stack(api_url="https://api.example.com", user_pool_id="pool2", client_id="client2", region="eu-west-1")


def _session(name: str = "alice", expires_at: float = 4_000_000_000) -> Session:
    return Session(name, "id-token", "access-token", "refresh-token", expires_at)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tokens_are_written_0600_in_a_0700_dir_whatever_the_umask(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "config" / "wfe")
    previous = os.umask(0)  # the most permissive umask: the store must not rely on it
    try:
        store.put(STACK, _session())
    finally:
        os.umask(previous)
    assert _mode(store.path) == 0o600
    assert _mode(store.directory) == 0o700
    assert store.get(STACK) == _session()


def test_an_existing_wider_file_is_narrowed_on_write(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.path.write_text("{}")
    store.path.chmod(0o644)
    store.put(STACK, _session())
    assert _mode(store.path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.json"]  # no temporary file left


def test_one_login_per_stack_and_logout_forgets_only_it(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.put(STACK, _session("alice"))
    store.put(OTHER, _session("bob"))
    assert store.get(STACK).username == "alice"
    assert store.get(OTHER).username == "bob"
    assert store.delete(STACK) is True
    assert store.get(STACK) is None
    assert store.get(OTHER).username == "bob"
    assert store.delete(STACK) is False


def test_a_damaged_store_reads_as_signed_out(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.path.write_text("{not json")
    assert store.get(STACK) is None
    store.path.write_text(json.dumps({STACK.key: {"username": "x"}}))  # missing fields
    assert store.get(STACK) is None


def test_expiry_has_a_margin() -> None:
    import time

    assert _session(expires_at=time.time() + 30).expired()
    assert not _session(expires_at=time.time() + 3600).expired()


def test_config_dir_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WFE_CONFIG_DIR", str(tmp_path / "elsewhere"))
    assert TokenStore().path == tmp_path / "elsewhere" / "credentials.json"


def test_outputs_file_problems_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="No outputs file"):
        load_stack(tmp_path / "missing.json")
    (tmp_path / "other.json").write_text(json.dumps({"SomeStack": {}}))
    with pytest.raises(UsageError, match="no 'WorkflowEngine' stack") as raised:
        load_stack(tmp_path / "other.json")
    assert raised.value.code == Exit.USAGE
    (tmp_path / "outputs.json").write_text(
        json.dumps(
            {
                "WorkflowEngine": {
                    "ApiUrl": "https://x/",
                    "UserPoolId": "p",
                    "UserPoolClientId": "c",
                    "Region": "eu-west-1",
                    "WebSocketUrl": "wss://ws",
                }
            }
        )
    )
    stack = load_stack(tmp_path / "outputs.json")
    assert (stack.api_url, stack.aws_endpoint_url, stack.websocket_url) == ("https://x", None, "wss://ws")


# --- a run as step lines --------------------------------------------------------------------------------------
STEPS = [
    {"name": "Load", "type": "transform", "config": {}},
    {"name": "Call", "type": "http", "config": {}, "retry": {"max_attempts": 3}},
    {"name": "Pause", "type": "wait", "config": {"seconds": 2}},
    {"name": "Save", "type": "transform", "config": {}},
]


def _log(step: str, attempt: int = 1, error: str | None = None, at: str = "1") -> dict[str, Any]:
    return {
        "id": f"{step}-{attempt}",
        "step_name": step,
        "attempt": attempt,
        "error_message": error,
        "duration_ms": 100,
        "timestamp": f"2026-11-26T10:00:0{at}Z",
    }


def _states(logs: list[dict[str, Any]], status: str, steps: list[dict[str, Any]] = STEPS) -> list[str]:
    return [line.state for line in step_lines(steps, logs, status)]


def test_the_first_unfinished_step_is_running() -> None:
    assert _states([], "pending") == [RUNNING, PENDING, PENDING, PENDING]
    assert _states([_log("Load")], "running") == [SUCCEEDED, RUNNING, PENDING, PENDING]


def test_a_failed_attempt_with_attempts_left_is_a_retry() -> None:
    lines = step_lines(STEPS, [_log("Load"), _log("Call", 1, "503")], "running")
    assert [line.state for line in lines] == [SUCCEEDED, RUNNING, PENDING, PENDING]
    assert (lines[1].attempts, lines[1].error) == (1, "503")
    lines = step_lines(STEPS, [_log("Load"), _log("Call", 1, "503", "2"), _log("Call", 2, at="3")], "running")
    assert [line.state for line in lines] == [SUCCEEDED, SUCCEEDED, RUNNING, PENDING]
    assert (lines[1].attempts, lines[1].duration_ms, lines[1].error) == (2, 200, None)


def test_a_wait_step_is_done_once_a_later_step_ran() -> None:
    lines = step_lines(STEPS, [_log("Load"), _log("Call"), _log("Save", at="4")], "running")
    assert [line.state for line in lines] == [SUCCEEDED, SUCCEEDED, SUCCEEDED, SUCCEEDED]
    assert lines[2].duration_ms == 2000


def test_nothing_runs_after_a_final_failure() -> None:
    logs = [_log("Load"), *[_log("Call", attempt, "503", str(attempt)) for attempt in (1, 2, 3)]]
    assert _states(logs, "running") == [SUCCEEDED, FAILED, PENDING, PENDING]
    assert _states(logs, "failed") == [SUCCEEDED, FAILED, NOT_RUN, NOT_RUN]
    state = RunState(steps=STEPS, execution={"status": "failed"})
    for log in logs:
        state.add_log(log)
    assert state.failed_step().name == "Call"


def test_continue_on_error_lets_the_next_step_run() -> None:
    steps = [{"name": "Try", "type": "http", "continue_on_error": True}, {"name": "Next", "type": "transform"}]
    assert _states([_log("Try", error="boom")], "running", steps) == [FAILED, RUNNING]


def test_a_finished_run_is_not_moved_back_and_logs_count_once() -> None:
    state = RunState(steps=STEPS)
    assert state.add_execution({"status": "running"})
    assert state.add_execution({"status": "completed"})
    assert not state.add_execution({"status": "running"})  # a late message
    assert state.status == "completed"
    assert state.add_log(_log("Load")) and not state.add_log(_log("Load"))


def test_a_resumed_run_marks_reused_steps() -> None:
    lines = step_lines(STEPS, [{**_log("Load"), "reused": True}, _log("Call", at="2")], "running")
    assert [(line.state, line.reused) for line in lines[:2]] == [(SUCCEEDED, True), (SUCCEEDED, False)]


def test_without_the_definition_the_steps_come_from_the_logs() -> None:
    state = RunState(steps=[], execution={"status": "completed"})
    for log in (_log("Load"), _log("Call", 1, "503", "2"), _log("Call", 2, at="3")):
        state.add_log({**log, "step_type": "transform"})
    assert [(line.name, line.state, line.attempts) for line in state.lines()] == [
        ("Load", SUCCEEDED, 1),
        ("Call", SUCCEEDED, 2),
    ]


# --- polling --------------------------------------------------------------------------------------------------
class FakeApi:
    """The API as polling sees it: a script of (status, logs) answers, one per round."""

    def __init__(self, rounds: list[tuple[str, list[dict[str, Any]]]]) -> None:
        self.rounds = rounds
        self.round = 0

    def get(self, path: str, **params: Any) -> Any:
        status, logs = self.rounds[min(self.round, len(self.rounds) - 1)]
        if path.endswith("/logs"):
            self.round += 1
            return logs
        return {"id": "x", "status": status}


def test_polling_backs_off_while_nothing_changes_and_stops_at_the_end() -> None:
    rounds = [("running", [])] * 6 + [("running", [_log("Load")]), ("completed", [_log("Load")])]
    api = FakeApi(rounds)
    api.round = 0
    delays: list[float] = []
    # snapshot reads the status, then the logs: keep the status in step with the round
    events = list(live.poll(api, "x", sleep=delays.append))  # type: ignore[arg-type]
    assert events[-1] == {"type": "execution", "execution": {"id": "x", "status": "completed"}}
    assert [e["log"]["id"] for e in events if e["type"] == "log"] == ["Load-1"]  # each log once
    assert delays[0] == live.POLL_FIRST_SECONDS
    assert delays[1:6] == sorted(delays[1:6]) and delays[5] > delays[1]  # backing off while idle
    assert max(delays) <= live.POLL_MAX_SECONDS
    assert delays[6] == live.POLL_FIRST_SECONDS  # a new log: fast again
    assert len(delays) == len(rounds) - 1
