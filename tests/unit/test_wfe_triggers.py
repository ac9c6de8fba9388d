"""`wfe triggers ls|add|rm`, `wfe trigger sign` and the TRIGGER column of `wfe ls`, against a fake API."""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.support.wfe_stack import fake_stack
from wfe import render
from wfe.commands import cli
from wfe.errors import Exit
from workflow_engine.triggers.signature import fresh_timestamp, signature_matches

WORKFLOW = "22222222-2222-4222-8222-222222222222"
TRIGGER = "44444444-4444-4444-8444-444444444444"
RUN = "11111111-1111-4111-8111-111111111111"
URL = f"http://api/api/hooks/{TRIGGER}"
SECRET = "ab" * 32


class FakeApi:
    calls: list[tuple[str, str, Any]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def get(self, path: str, **params: Any) -> Any:
        FakeApi.calls.append(("GET", path, params))
        return [{"id": TRIGGER, "workflow_id": WORKFLOW, "url": URL, "created_at": "2026-12-05T06:00:00.000000Z"}]

    def post(self, path: str, body: Any = None, **_: Any) -> Any:
        FakeApi.calls.append(("POST", path, body))
        return {
            "id": TRIGGER,
            "workflow_id": WORKFLOW,
            "url": URL,
            "created_at": "2026-12-05T06:00:00Z",
            "secret": SECRET,
        }

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        FakeApi.calls.append((method, path, kwargs.get("json")))
        return None

    def collect(self, path: str, params: dict[str, Any], follow: bool) -> tuple[list[Any], None]:
        FakeApi.calls.append(("GET", path, params))
        run = {"id": RUN, "workflow_id": WORKFLOW, "status": "completed", "started_at": "2026-12-05T06:59:59Z"}
        return [
            {**run, "trigger": {"type": "webhook", "id": TRIGGER}},
            {**run, "trigger": {"type": "api", "id": None}},
        ], None

    def pages(self, path: str, params: dict[str, Any], follow: bool) -> Any:
        yield [{"id": WORKFLOW, "name": "pay"}], None  # the workflows whose names lists show


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    monkeypatch.setattr("wfe.trigger_commands.stdin_is_terminal", lambda: False)
    monkeypatch.delenv("WFE_TRIGGER_SECRET", raising=False)
    FakeApi.calls = []

    def invoke(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
        result = CliRunner().invoke(cli, [*args, "--outputs", str(outputs)], env=env)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_ls_lists_ids_and_urls_never_secrets(wfe: Any) -> None:
    output = wfe("triggers", "ls", WORKFLOW)
    assert TRIGGER in output and "URL" in output
    assert FakeApi.calls == [("GET", f"/api/workflows/{WORKFLOW}/triggers", {})]


def test_add_shows_the_secret_once_with_a_way_to_test_it(wfe: Any) -> None:
    output = wfe("triggers", "add", WORKFLOW)
    assert SECRET in output and URL in output and "never shown again" in output
    assert FakeApi.calls == [("POST", f"/api/workflows/{WORKFLOW}/triggers", None)]
    assert json.loads(wfe("triggers", "add", WORKFLOW, "--json"))["secret"] == SECRET


def test_rm_needs_yes_without_a_terminal(wfe: Any) -> None:
    assert "add --yes" in wfe("triggers", "rm", WORKFLOW, TRIGGER, code=Exit.USAGE)
    assert FakeApi.calls == []
    wfe("triggers", "rm", WORKFLOW, TRIGGER, "--yes")
    assert FakeApi.calls == [("DELETE", f"/api/workflows/{WORKFLOW}/triggers/{TRIGGER}", None)]
    assert "a UUID" in wfe("triggers", "rm", WORKFLOW, "nope", "--yes", code=Exit.USAGE)


def test_sign_prints_a_curl_line_the_server_accepts(wfe: Any) -> None:
    body = '{"order": 42, "note": "it\'s $HOME"}'
    line = wfe("trigger", "sign", TRIGGER, "--body", body, env={"WFE_TRIGGER_SECRET": SECRET}).strip()
    parts = shlex.split(line)
    assert parts[:5] == ["curl", "-sS", "-X", "POST", URL]
    headers = dict(part.split(": ", 1) for part in parts[6:-2:2])
    assert parts[-2:] == ["--data-binary", body]  # exactly the signed bytes, quoted for the shell
    fresh_timestamp(headers["X-Timestamp"], time.time())
    assert signature_matches(SECRET, headers["X-Timestamp"], body.encode(), headers["X-Signature-256"])
    assert headers["Content-Type"] == "application/json" and headers["X-Delivery-Id"]
    assert FakeApi.calls == []  # offline


def test_sign_takes_the_secret_from_a_flag_and_refuses_without_one(wfe: Any) -> None:
    document = json.loads(wfe("trigger", "sign", TRIGGER, "--secret", SECRET, "--delivery-id", "d-1", "--json"))
    assert document["headers"]["X-Delivery-Id"] == "d-1"
    assert signature_matches(SECRET, document["headers"]["X-Timestamp"], b"{}", document["headers"]["X-Signature-256"])
    assert "WFE_TRIGGER_SECRET" in wfe("trigger", "sign", TRIGGER, code=Exit.USAGE)
    assert "JSON object" in wfe("trigger", "sign", TRIGGER, "--secret", SECRET, "--body", "[1]", code=Exit.USAGE)


def listed(wfe: Any, monkeypatch: pytest.MonkeyPatch, width: int) -> list[str]:
    monkeypatch.setattr(render, "out", Console(width=width, highlight=False, soft_wrap=False, color_system=None))
    with render.out.capture() as captured:
        wfe("ls")
    return captured.get().splitlines()


def test_ls_shows_each_runs_trigger_in_a_wide_terminal(wfe: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = listed(wfe, monkeypatch, 120)
    header = next(line for line in lines if " ID " in f" {line} ")
    assert header.rstrip().endswith("TRIGGER")  # whole, never folded
    rows = [line for line in lines if RUN in line]  # the id is never cut
    assert [row.split()[-1] for row in rows] == ["webhook", "api"]


def test_ls_keeps_one_line_per_run_at_80_columns(wfe: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = listed(wfe, monkeypatch, 80)
    assert all(len(line) <= 80 for line in lines)
    header, *rows = lines
    assert header.split() == ["ID", "STATUS", "STARTED", "DURATION", "WORKFLOW"]  # TRIGGER: `wfe status`
    assert len(rows) == 2 and all(row.startswith(RUN) for row in rows)


def test_status_names_the_trigger_and_its_id() -> None:
    execution = {"id": RUN, "workflow_id": WORKFLOW, "status": "running", "trigger": {"type": "webhook", "id": TRIGGER}}
    console = Console(width=120, color_system=None)
    with console.capture() as captured:
        console.print(render.execution_detail(execution))
    assert f"webhook {TRIGGER}" in captured.get()
