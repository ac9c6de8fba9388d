"""The CLI takes its step types and statuses from the stack's OpenAPI document (wfe.vocabulary): read once per
process, only when a command checks a value, and a document that cannot be read never blocks the command."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from click.testing import CliRunner

from infra.catalog import REPO_ROOT
from wfe import vocabulary
from wfe.commands import cli
from wfe.config import Stack
from wfe.errors import UsageError
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.step_types import STEP_TYPES

COMMITTED = json.loads((REPO_ROOT / "openapi.json").read_text())
LOCAL = Stack(api_url="http://127.0.0.1:8000", user_pool_id="p", client_id="c", region="us-east-1")
DEPLOYED = Stack(
    api_url="https://abc.execute-api.us-east-1.amazonaws.com",
    user_pool_id="p",
    client_id="c",
    region="us-east-1",
    app_url="https://d111.cloudfront.net",
)


def with_sleepy_step(document: dict[str, Any]) -> dict[str, Any]:
    """A document that lists one more step type than the engine has today."""
    document = copy.deepcopy(document)
    union = document["components"]["schemas"]["WorkflowDefinition"]["properties"]["steps"]["items"]
    union["oneOf"].append({"$ref": "#/components/schemas/SleepyStep"})
    union["discriminator"]["mapping"]["sleepy"] = "#/components/schemas/SleepyStep"
    return document


class FakeFetch:
    def __init__(self, document: Any = None, error: Exception | None = None) -> None:
        self.document, self.error, self.urls = document, error, []

    def __call__(self, url: str) -> Any:
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        return self.document


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "_loaded", {})


def test_the_committed_document_holds_the_registry_and_the_lifecycle() -> None:
    lists = vocabulary.vocabulary_of(COMMITTED)
    assert lists.step_types == STEP_TYPES.names()
    assert lists.statuses == tuple(status.value for status in ExecutionStatus)
    assert lists.terminal == {status.value for status in ExecutionStatus if status.is_terminal}


def test_the_document_is_read_from_the_web_apps_origin() -> None:
    assert vocabulary.document_url(DEPLOYED) == "https://d111.cloudfront.net/openapi.json"
    assert vocabulary.document_url(LOCAL) == "http://127.0.0.1:8000/openapi.json"


def test_a_step_type_only_the_document_lists_is_accepted_and_an_unknown_one_refused() -> None:
    fetch = FakeFetch(with_sleepy_step(COMMITTED))
    vocabulary.check(DEPLOYED, "step type", "sleepy", print, fetch)
    refused = (
        "Unknown step type 'sleepy2': choose one of transform, http, ai, wait, choice, parallel, map, approval, "
        "workflow, sleepy"
    )
    with pytest.raises(UsageError, match=refused):
        vocabulary.check(DEPLOYED, "step type", "sleepy2", print, fetch)
    with pytest.raises(UsageError, match="Unknown status 'done'"):
        vocabulary.check(DEPLOYED, "status", "done", print, fetch)
    assert fetch.urls == ["https://d111.cloudfront.net/openapi.json"]  # once per process


def test_no_value_no_request() -> None:
    fetch = FakeFetch(error=AssertionError("no request expected"))
    vocabulary.check(LOCAL, "status", None, print, fetch)
    assert fetch.urls == []


@pytest.mark.parametrize(
    "fetch",
    [FakeFetch(error=ConnectionError("connection refused")), FakeFetch({"openapi": "3.1.0"})],
    ids=["unreachable", "not-the-document"],
)
def test_a_document_that_cannot_be_read_lets_the_value_through_with_a_note(fetch: FakeFetch) -> None:
    notes: list[str] = []
    vocabulary.check(LOCAL, "step type", "sleepy", notes.append, fetch)
    (note,) = notes
    assert note.startswith("Cannot read the step types and statuses from http://127.0.0.1:8000/openapi.json: ")
    assert note.endswith("sending the step type 'sleepy' as given")


def test_the_commands_check_their_filters_against_the_document(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = tmp_path / "outputs.json"
    stack = {"ApiUrl": LOCAL.api_url, "UserPoolId": "p", "UserPoolClientId": "c", "Region": "us-east-1"}
    outputs.write_text(json.dumps({"WorkflowEngine": stack}))
    fetch = FakeFetch(with_sleepy_step(COMMITTED))
    monkeypatch.setattr(vocabulary, "fetch_document", fetch)
    for arguments in (["search", "x", "--step-type", "nope"], ["logs", "e-1", "--step-type", "nope"]):
        result = CliRunner().invoke(cli, [*arguments, "--outputs", str(outputs)])
        assert result.exit_code == 2 and "Unknown step type 'nope'" in result.output, result.output
    result = CliRunner().invoke(cli, ["ls", "--status", "finished", "--outputs", str(outputs)])
    assert result.exit_code == 2 and "Unknown status 'finished'" in result.output, result.output
    assert fetch.urls == ["http://127.0.0.1:8000/openapi.json"]
