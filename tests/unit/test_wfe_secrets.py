"""`wfe secrets ls|set|rm` against a fake API: the value comes from a hidden prompt or standard input, never an
argument; rm asks unless --yes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.wfe_stack import fake_stack
from wfe.commands import cli


class FakeApi:
    """Records (method, path, body); lists two secrets."""

    calls: list[tuple[str, str, Any]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def get(self, path: str, **params: Any) -> Any:
        FakeApi.calls.append(("GET", path, None))
        return [{"name": "API_KEY", "updated_at": "2026-12-05T06:00:00.000000Z"}, {"name": "b-2", "updated_at": None}]

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        FakeApi.calls.append((method, path, kwargs.get("json")))
        return None


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    FakeApi.calls = []

    def invoke(*args: str, stdin: str | None = None, tty: bool = False) -> Any:
        monkeypatch.setattr("wfe.secret_commands.stdin_is_terminal", lambda: tty)
        return CliRunner().invoke(cli, [*args, "--outputs", str(outputs)], input=stdin)

    return invoke


def test_ls_shows_names_and_times_only(wfe: Any) -> None:
    result = wfe("secrets", "ls")
    assert result.exit_code == 0, result.output
    assert "API_KEY" in result.output and "b-2" in result.output and "NAME" in result.output
    listed = wfe("secrets", "ls", "--json")
    assert json.loads(listed.output)[0]["name"] == "API_KEY"


def test_set_reads_the_value_from_standard_input(wfe: Any) -> None:
    result = wfe("secrets", "set", "API_KEY", stdin="s3cr3t value\n")
    assert result.exit_code == 0, result.output
    assert FakeApi.calls == [("PUT", "/api/secrets/API_KEY", {"value": "s3cr3t value"})]
    assert "s3cr3t" not in result.output


def test_set_prompts_without_echo_on_a_terminal(wfe: Any) -> None:
    result = wfe("secrets", "set", "API_KEY", stdin="typed\ntyped\n", tty=True)
    assert result.exit_code == 0, result.output
    assert FakeApi.calls == [("PUT", "/api/secrets/API_KEY", {"value": "typed"})]
    assert "typed" not in result.output  # hidden input is never echoed


def test_set_never_takes_the_value_as_an_argument(wfe: Any) -> None:
    result = wfe("secrets", "set", "API_KEY", "the-value", stdin="x")
    assert result.exit_code == 2 and FakeApi.calls == []


@pytest.mark.parametrize(("args", "stdin"), [(("bad.name",), "v"), (("OK",), ""), (("OK",), "x" * 65_537)])
def test_set_refuses_bad_names_and_values_before_calling(wfe: Any, args: tuple[str, ...], stdin: str) -> None:
    result = wfe("secrets", "set", *args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert [call for call in FakeApi.calls if call[0] == "PUT"] == []


def test_rm_asks_for_confirmation_unless_yes(wfe: Any) -> None:
    refused = wfe("secrets", "rm", "API_KEY", stdin="n\n", tty=True)
    assert refused.exit_code != 0 and FakeApi.calls == []
    no_terminal = wfe("secrets", "rm", "API_KEY")
    assert no_terminal.exit_code == 2 and "--yes" in no_terminal.output and FakeApi.calls == []
    confirmed = wfe("secrets", "rm", "API_KEY", stdin="y\n", tty=True)
    assert confirmed.exit_code == 0, confirmed.output
    assert wfe("secrets", "rm", "API_KEY", "--yes").exit_code == 0
    assert FakeApi.calls == [("DELETE", "/api/secrets/API_KEY", None)] * 2
