"""`wfe` end to end: the real console script in a subprocess against the e2e stack (routes of the core API).

Account (signup, login, whoami, logout, a wrong password, an expired or refused token refreshed), workflows
from YAML (a 422 as field paths), `run --follow/--wait` to completion and to failure, logs, status, ls with
--all paging, --json parsed as JSON, exit codes; and the live view in a real terminal (tmux).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.wfe_cli import PASSWORD, WFE, Wfe, write_definition

pytestmark = pytest.mark.xdist_group("e2e")

GREETING = """
name: {name}
description: Says hello, after a pause
steps:
  - name: Build greeting
    type: transform
    config:
      expression: "join(' ', ['Hello', input.name])"
  - name: Pause
    type: wait
    config: {{seconds: {pause}}}
  - name: Shout
    type: transform
    config:
      expression: "{{text: steps.\\"Build greeting\\".output, loud: `true`}}"
"""

FAILING = """
name: {name}
steps:
  - name: Prepare
    type: transform
    config: {{expression: "input"}}
  - name: Break
    type: transform
    config: {{expression: "abs(input.name)"}}
    retry: {{max_attempts: 2, interval_seconds: 1, backoff_rate: 1}}
  - name: Never
    type: transform
    config: {{expression: "input"}}
"""

INVALID = """
name: Invalid
steps:
  - name: One
    type: transform
    config: {}
  - name: Two
    type: wait
    config: {seconds: -1}
"""


def create(wfe: Wfe, tmp_path: Path, template: str, **values: object) -> dict:
    name = f"{values.pop('prefix', 'wf')}-{uuid.uuid4().hex[:6]}"
    path = write_definition(tmp_path, f"{name}.yaml", template.format(name=name, **values))
    return wfe.ok("workflows", "create", "-f", str(path), "--json").json()


# --- account ------------------------------------------------------------------------------------------------
def test_signup_login_whoami_logout(new_wfe_user) -> None:
    user = new_wfe_user()
    signed_up = user.ok("signup", user.username, "--password-stdin", "--json", stdin=PASSWORD + "\n").json()
    assert signed_up == {"username": user.username, "signed_in": True}
    assert stat.S_IMODE(user.credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(user.config_dir.stat().st_mode) == 0o700
    me = user.ok("whoami", "--json").json()
    assert me["username"] == user.username and me["expired"] is False
    assert len(me["user_id"]) == 36

    assert user.ok("logout").stdout.strip() == "Signed out"
    result = user("workflows", "list")
    assert result.code == 4 and "wfe login" in result.stderr
    assert user("whoami").code == 4

    assert "Signed in as" in user.ok("login", user.username, "--password-stdin", stdin=PASSWORD + "\n").stdout
    assert user.ok("workflows", "list", "--json").json() == []


def test_a_wrong_password_exits_4_with_a_clear_message(new_wfe_user) -> None:
    user = new_wfe_user().signup()
    result = user("login", user.username, "--password-stdin", stdin="not-the-password\n")
    assert result.code == 4
    assert "Sign-in refused" in result.stderr and "Incorrect username or password" in result.stderr
    assert result.stdout == ""
    result = user("login", user.username, "--password-stdin", "--json", stdin="not-the-password\n")
    assert result.code == 4 and result.stdout == ""
    assert json.loads(result.stderr)["exit_code"] == 4


def test_an_expired_token_is_refreshed_with_the_refresh_token(new_wfe_user) -> None:
    user = new_wfe_user().signup()
    stored = json.loads(user.credentials.read_text())
    [key] = stored
    old = stored[key]
    # Expired by its stored expiry: refreshed before the call.
    stored[key] = {**old, "expires_at": time.time() - 10, "id_token": "expired.token.value"}
    user.credentials.write_text(json.dumps(stored))
    assert user.ok("workflows", "list", "--json").json() == []
    renewed = json.loads(user.credentials.read_text())[key]
    assert renewed["id_token"] not in (old["id_token"], "expired.token.value")
    assert renewed["expires_at"] > time.time() + 600
    assert renewed["refresh_token"] == old["refresh_token"]
    assert stat.S_IMODE(user.credentials.stat().st_mode) == 0o600
    # Refused by the API before its stated expiry (a 401): refreshed once, and the call succeeds.
    user.credentials.write_text(json.dumps({key: {**renewed, "id_token": "refused.token.value"}}))
    assert user.ok("workflows", "list", "--json").json() == []
    assert json.loads(user.credentials.read_text())[key]["id_token"] != "refused.token.value"
    # A refresh token Cognito does not know: exit 4, sign in again.
    user.credentials.write_text(json.dumps({key: {**renewed, "expires_at": 0, "refresh_token": "not-a-refresh-token"}}))
    result = user("workflows", "list")
    assert result.code == 4 and "wfe login" in result.stderr


# --- workflows ----------------------------------------------------------------------------------------------
def test_workflows_from_yaml_show_update_delete(wfe: Wfe, tmp_path: Path) -> None:
    created = create(wfe, tmp_path, GREETING, pause=1)
    assert [step["name"] for step in created["steps"]] == ["Build greeting", "Pause", "Shout"]
    by_name = wfe.ok("workflows", "show", created["name"], "--json").json()
    assert by_name["id"] == created["id"]
    assert created["id"] in [w["id"] for w in wfe.ok("workflows", "list", "--all", "--json").json()]
    human = wfe.ok("workflows", "show", created["id"]).stdout
    assert "Build greeting" in human and "wait" in human

    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**{k: created[k] for k in ("name", "steps")}, "description": "now JSON"}))
    updated = wfe.ok("workflows", "update", created["name"], "-f", str(changed), "--json").json()
    assert (updated["version"], updated["description"]) == (2, "now JSON")

    assert wfe.ok("workflows", "delete", created["id"], "--json").json() == {"deleted": created["id"]}
    result = wfe("workflows", "show", created["id"])
    assert result.code == 3
    assert wfe("workflows", "show", "no-such-workflow-name").code == 3


def test_an_invalid_definition_is_a_readable_list_of_field_paths(wfe: Wfe, tmp_path: Path) -> None:
    path = write_definition(tmp_path, "invalid.yaml", INVALID)
    result = wfe("workflows", "create", "-f", str(path))
    assert result.code == 2
    assert "The request is not valid:" in result.stderr
    assert 'steps[0] "One".config.expression: Field required' in result.stderr
    assert 'steps[1] "Two".config.seconds: Input should be greater than or equal to 0' in result.stderr
    result = wfe("workflows", "create", "-f", str(path), "--json")
    assert result.code == 2 and result.stdout == ""
    assert len(json.loads(result.stderr)["details"]) == 2
    assert wfe("workflows", "create", "-f", str(tmp_path / "missing.yaml")).code == 2


# --- running ------------------------------------------------------------------------------------------------
def test_run_follow_to_completion(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=1)
    result = wfe.ok("run", workflow["name"], "--input", '{"name": "Ada"}', "--follow")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Run ")
    for step in ("Build greeting", "Pause", "Shout"):
        assert any(line.startswith(f"✓ {step}") for line in lines), result.stdout
    assert "completed" in result.stdout and '"text": "Hello Ada"' in result.stdout


def test_run_follow_to_failure_exits_1_with_the_failed_step(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, FAILING)
    result = wfe("run", workflow["id"], "--input", '{"name": "Ada"}', "--follow")
    assert result.code == 1, result.stdout + result.stderr
    assert "✓ Prepare" in result.stdout
    assert "✗ Break" in result.stdout and "(2 attempts)" in result.stdout
    assert "- Never  transform  not run" in result.stdout
    assert "Error:" in result.stdout and "abs()" in result.stdout


def test_run_wait_json_status_and_logs(wfe: Wfe, tmp_path: Path) -> None:
    failing = create(wfe, tmp_path, FAILING)
    final = json.loads(wfe("run", failing["name"], "--input", '{"name": "Ada"}', "--wait", "--json").stdout)
    assert final["status"] == "failed" and final["workflow_id"] == failing["id"]
    assert wfe.ok("status", final["id"], "--json").json() == final

    errors = wfe.ok("logs", final["id"], "--errors", "--json").json()
    assert [(log["step_name"], log["attempt"]) for log in errors] == [("Break", 1), ("Break", 2)]
    assert all(log["error_message"] for log in errors)
    everything = wfe.ok("logs", final["id"], "--json").json()
    assert [log["step_name"] for log in everything] == ["Prepare", "Break", "Break"]
    assert [log["step_name"] for log in wfe.ok("logs", final["id"], "--step", "Prepare", "--json").json()] == [
        "Prepare"
    ]
    assert "Break" in wfe.ok("logs", final["id"], "--errors").stdout

    started = wfe.ok("run", failing["name"], "--input", '{"name": 1}', "--json").json()
    assert started["status"] in ("pending", "running")
    assert wfe("run", failing["name"], "--input", "{not json").code == 2


def test_ls_pages_with_the_cursor_and_all(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=0)
    started = [wfe.ok("run", workflow["id"], "--input", f'{{"name": "n{i}"}}', "--json").json() for i in range(5)]
    one_page = wfe.ok("ls", "--workflow", workflow["name"], "--limit", "2", "--json")
    assert len(one_page.json()) == 2 and one_page.stderr == ""  # --json: nothing but JSON
    human = wfe.ok("ls", "--workflow", workflow["name"], "--limit", "2")
    assert "More runs exist: add --all" in human.stderr
    every = wfe.ok("ls", "--workflow", workflow["id"], "--limit", "2", "--all", "--json").json()
    assert sorted(e["id"] for e in every) == sorted(s["execution_id"] for s in started)
    assert [e["started_at"] for e in every] == sorted((e["started_at"] for e in every), reverse=True)


def test_exit_codes_for_not_found_and_an_unreachable_api(wfe: Wfe, tmp_path: Path) -> None:
    result = wfe("status", str(uuid.uuid4()))
    assert result.code == 3 and "Error:" in result.stderr
    assert wfe("status", "not-a-uuid").code == 2
    assert wfe("run", "no-such-workflow").code == 3

    outputs = json.loads(wfe.outputs.read_text())
    closed = tmp_path / "closed.json"
    closed.write_text(json.dumps({"WorkflowEngine": {**outputs["WorkflowEngine"], "ApiUrl": "http://127.0.0.1:9"}}))
    offline = Wfe(closed, tmp_path / "offline")
    offline.config_dir.mkdir(mode=0o700)
    [session] = json.loads(wfe.credentials.read_text()).values()
    key = f"http://127.0.0.1:9|{outputs['WorkflowEngine']['UserPoolClientId']}"
    offline.credentials.write_text(json.dumps({key: session}))
    result = offline("workflows", "list")
    assert result.code == 5 and "Cannot reach the API" in result.stderr


# --- the live view in a real terminal -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tmux() -> str:
    path = shutil.which("tmux")
    assert path, "tmux is required for the live-terminal test: `make test` installs it (apt-get install tmux)"
    return path


class Terminal:
    """A tmux session running one shell command in a real pseudo-terminal (100x30)."""

    def __init__(self, tmux: str, wfe: Wfe, command: str) -> None:
        self.name = f"wfe-{uuid.uuid4().hex[:8]}"
        self.tmux = [tmux, "-L", self.name]  # a tmux server of its own (not the user's, not another test's)
        environment = [f"{key}={value}" for key, value in wfe.env.items() if key.startswith("WFE_")]
        script = f"env {' '.join(environment)} TERM=xterm-256color {command}; echo EXIT=$?; sleep 600"
        subprocess.run(  # noqa: S603
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30", script],
            check=True,
            env={k: v for k, v in os.environ.items() if k != "TMUX"},
        )

    def screen(self) -> str:
        return subprocess.run(  # noqa: S603
            [*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=True
        ).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)  # noqa: S603

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False)  # noqa: S603


def test_follow_shows_step_lines_live_in_a_terminal(wfe: Wfe, tmp_path: Path, tmux: str) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=4)
    terminal = Terminal(tmux, wfe, f'{WFE} run {workflow["id"]} --input \'{{"name": "Tmux"}}\' --follow')
    try:
        during = terminal.wait_for("✓ Build greeting", timeout=30)
        # The first step is done and the wait step is running (a spinner and its elapsed time) while the run
        # has not ended: no output and no exit status on the screen yet.
        assert "Pause" in during and "Shout" in during
        assert "EXIT=" not in during and "Output:" not in during
        pause_line = next(line for line in during.splitlines() if "Pause" in line)
        assert not pause_line.startswith("✓")
        after = terminal.wait_for("EXIT=", timeout=60)
        assert "EXIT=0" in after and "✓ Pause" in after and "✓ Shout" in after and "Hello Tmux" in after
    finally:
        terminal.close()


def test_ctrl_c_asks_and_cancels_the_run(wfe: Wfe, tmp_path: Path, tmux: str) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=60)
    terminal = Terminal(tmux, wfe, f'{WFE} run {workflow["id"]} --input \'{{"name": "Bo"}}\' --follow')
    try:
        screen = terminal.wait_for("✓ Build greeting", timeout=30)
        run_id = next(line.split()[1] for line in screen.splitlines() if line.startswith("Run "))
        terminal.keys("C-c")
        terminal.wait_for("Cancel the run, or detach", timeout=10)
        terminal.keys("cancel", "Enter")
        after = terminal.wait_for("EXIT=", timeout=30)
        assert "EXIT=1" in after and "cancelled" in after
    finally:
        terminal.close()
    assert wfe.ok("status", run_id, "--json").json()["status"] == "cancelled"


def test_follow_polls_when_the_websocket_is_unavailable(wfe: Wfe, tmp_path: Path) -> None:
    outputs = json.loads(wfe.outputs.read_text())
    broken = tmp_path / "broken-socket.json"
    broken.write_text(json.dumps({"WorkflowEngine": {**outputs["WorkflowEngine"], "WebSocketUrl": "ws://127.0.0.1:9"}}))
    user = Wfe(broken, wfe.config_dir, wfe.username)
    workflow = create(wfe, tmp_path, GREETING, pause=1)
    result = user.ok("run", workflow["id"], "--input", '{"name": "Poll"}', "--follow")
    assert "WebSocket unavailable" in result.stderr and "polling instead" in result.stderr
    assert "✓ Shout" in result.stdout and "Hello Poll" in result.stdout


def test_logs_follow_prints_each_log_once_until_the_run_ends(wfe: Wfe, tmp_path: Path) -> None:
    workflow = create(wfe, tmp_path, GREETING, pause=2)
    started = wfe.ok("run", workflow["id"], "--input", '{"name": "Tail"}', "--json").json()
    result = wfe.ok("logs", started["execution_id"], "--follow", "--json")
    logs = [json.loads(line) for line in result.stdout.splitlines()]  # one JSON object per line
    assert [log["step_name"] for log in logs] == ["Build greeting", "Shout"]
    assert result.stderr == ""
    human = wfe.ok("logs", started["execution_id"], "--follow")  # an ended run: its logs, then the status
    assert human.stdout.count("✓ ") == 2 and "completed" in human.stderr


def test_filters_are_checked_against_the_stacks_openapi_document(wfe: Wfe) -> None:
    """The step types and statuses come from the local stack's /openapi.json (no copy in the CLI)."""
    refused = wfe("ls", "--status", "finished")
    assert refused.code == 2 and "Unknown status 'finished'" in refused.stderr, refused.stderr
    assert "timed_out" in refused.stderr  # the valid ones, as the document lists them
    refused = wfe("search", "x", "--step-type", "lambda")
    assert refused.code == 2 and "Unknown step type 'lambda'" in refused.stderr, refused.stderr
    assert wfe.ok("ls", "--status", "timed_out", "--json").json() == []
    assert "Cannot read" not in wfe.ok("search", "x", "--step-type", "wait", "--json").stderr
