"""`wfe --version`, `wfe init`, `wfe validate`, lists that name workflows and say when they are empty, and
Cognito's refusals as sentences (wfe.auth, infra.local.signin), against fakes. Run at any COLUMNS (80 too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from click.testing import CliRunner

from infra.local import signin
from tests.support.wfe_stack import fake_stack
from wfe import auth
from wfe.commands import cli
from wfe.config import Stack
from wfe.errors import UsageError
from wfe.starter_commands import package_version
from workflow_engine.models.workflow import WorkflowDefinition

WORKFLOW_ID = "11111111-1111-4111-8111-111111111111"
EXECUTION = {
    "id": "22222222-2222-4222-8222-222222222222",
    "workflow_id": WORKFLOW_ID,
    "status": "completed",
    "started_at": "2026-12-05T10:00:00Z",
    "completed_at": "2026-12-05T10:00:01Z",
}
PROBLEMS = {
    "message": "Request validation failed",
    "detail": [
        {"loc": ["body", "steps", 0], "msg": "x", "message": 'steps[0] "One".config.expression: Field required'}
    ],
}


class FakeApi:
    """Answers from class attributes: the runs, the workflows and what validate answers."""

    runs: list[dict[str, Any]] = []
    workflows: list[dict[str, Any]] = []
    valid = True
    posted: list[tuple[str, Any]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def collect(self, path: str, params: dict[str, Any], follow: bool) -> tuple[list[Any], None]:
        return (FakeApi.runs if "executions" in path else FakeApi.workflows), None

    def pages(self, path: str, params: dict[str, Any], follow: bool) -> Any:
        yield FakeApi.workflows, None

    def get(self, path: str, **params: Any) -> Any:
        return []

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        FakeApi.posted.append((path, body))
        if not FakeApi.valid:
            raise UsageError("The request is not valid:", [PROBLEMS["detail"][0]["message"]], PROBLEMS)
        return {"valid": True, "name": body["name"], "step_count": 3, "step_types": ["transform", "wait"]}


@pytest.fixture
def wfe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    outputs = fake_stack(tmp_path, monkeypatch, FakeApi)
    monkeypatch.chdir(tmp_path)
    FakeApi.runs, FakeApi.workflows, FakeApi.valid, FakeApi.posted = [], [], True, []
    return lambda *args: CliRunner().invoke(cli, [*args, "--outputs", str(outputs)])


def test_version_is_the_package_s() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"wfe {package_version()}\n"
    assert package_version()[0].isdigit()


def test_init_writes_a_valid_commented_file_and_never_overwrites(wfe: Any, tmp_path: Path) -> None:
    result = wfe("init", "--name", "Hello")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "workflow.yaml").read_text()
    assert text.startswith("#") and "wfe validate workflow.yaml" in text
    document = yaml.safe_load(text)
    assert WorkflowDefinition.model_validate(document).name == "Hello"
    assert document["input_example"] == {"message": "hello"}
    again = wfe("init")
    assert again.exit_code == 2 and "exists" in again.output
    assert wfe("init", "--force").exit_code == 0
    printed = wfe("init", "-")
    assert yaml.safe_load(printed.output)["name"] == "My workflow"


def test_validate_says_ok_or_lists_the_problems_with_exit_1(wfe: Any, tmp_path: Path) -> None:
    wfe("init")
    result = wfe("validate", "workflow.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK workflow.yaml: My workflow, 3 steps")
    assert FakeApi.posted[0][0] == "/api/workflows/validate"
    FakeApi.valid = False
    result = wfe("validate", "workflow.yaml")
    assert result.exit_code == 1
    assert "Not valid" in result.output
    assert 'steps[0] "One".config.expression: Field required' in result.output.replace("\n", "")
    as_json = wfe("validate", "workflow.yaml", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["valid"] is False
    assert wfe("validate", "missing.yaml").exit_code == 2  # unreadable: a usage error, not a verdict


def test_lists_name_workflows_and_say_when_empty(wfe: Any) -> None:
    assert "No executions yet." in wfe("ls").output
    assert "No executions match." in wfe("ls", "--since", "1h").output
    assert "No workflows yet." in wfe("workflows", "list").output
    FakeApi.runs = [EXECUTION]
    FakeApi.workflows = [{"id": WORKFLOW_ID, "name": "Orders"}]
    listed = wfe("ls")
    assert "Orders" in listed.output and WORKFLOW_ID[:8] not in listed.output
    waiting = {**EXECUTION, "status": "running", "waiting_for": [{"step_name": "Sign off", "message": "ok?"}]}
    FakeApi.runs = [waiting]
    assert "Orders" in wfe("ls", "--waiting").output
    FakeApi.workflows = []  # deleted since: the id's start
    assert WORKFLOW_ID[:8] in wfe("ls").output


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "SignUp")


class FakeCognito:
    def __init__(self, error: ClientError) -> None:
        self.error = error

    def sign_up(self, **_: Any) -> Any:
        raise self.error

    def describe_user_pool(self, **_: Any) -> Any:
        policy = {"MinimumLength": 12, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": False}
        return {"UserPool": {"Policies": {"PasswordPolicy": policy}}}


STACK = Stack(api_url="http://api", user_pool_id="pool", client_id="client", region="us-east-1")


def test_sign_up_refusals_are_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_cognito", lambda _: FakeCognito(client_error("UsernameExistsException", "carol")))
    with pytest.raises(UsageError) as existing:
        auth.sign_up(STACK, "carol", "pw", ask_code=str)
    assert existing.value.message == "The user 'carol' already exists: sign in with `wfe login carol`"
    weak = client_error("InvalidPasswordException", "Password did not conform with policy")
    monkeypatch.setattr(auth, "_cognito", lambda _: FakeCognito(weak))
    with pytest.raises(UsageError) as refused:
        auth.sign_up(STACK, "carol", "pw", ask_code=str)
    assert "rules" in refused.value.message
    assert refused.value.details == ["at least 12 characters", "a lowercase letter", "a number"]
    assert isinstance(
        auth.cli_error(client_error("NotAuthorizedException", "Incorrect username or password.")), auth.AuthError
    )


def test_the_sign_in_helper_s_help_is_help_and_refusals_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        signin.main(["signin", "--help"])
    assert done.value.code == 0 and "USER" in capsys.readouterr().out
    wrong = client_error("NotAuthorizedException", "Incorrect username or password.")
    assert signin.refusal(wrong, "x").startswith("Sign-in refused: wrong password")
    weak = signin.refusal(client_error("InvalidPasswordException"), "short")
    assert "at least 12 characters" in weak and "a digit" in weak


def test_at_names_of_child_workflows_become_ids_nested_ones_too() -> None:
    from wfe.references import resolve_names

    child = {"name": "Call", "type": "workflow", "config": {"workflow_id": "@Example: transform"}}
    by_id = {"name": "Other", "type": "workflow", "config": {"workflow_id": WORKFLOW_ID}}
    block = {"name": "Each", "type": "map", "config": {"items": "input.x", "steps": [child]}}
    document = {"name": "Parent", "steps": [by_id, block]}
    resolved = resolve_names(document, lambda name: f"id-of-{name}")
    assert resolved["steps"][1]["config"]["steps"][0]["config"]["workflow_id"] == "id-of-Example: transform"
    assert resolved["steps"][0]["config"]["workflow_id"] == WORKFLOW_ID
    assert document["steps"][1]["config"]["steps"][0]["config"]["workflow_id"] == "@Example: transform"  # a copy
    plain = {"name": "Plain", "steps": [by_id]}
    assert resolve_names(plain, lambda name: pytest.fail(name)) is plain
