"""The step registry's rules, and what derives from it in the layer (the derived infra: tests/infra)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from infra.catalog import REPO_ROOT, STEP_FUNCTIONS
from workflow_engine.models.config_base import Strict
from workflow_engine.models.step_configs import TransformConfig, WaitConfig
from workflow_engine.models.step_errors import StepFailed
from workflow_engine.models.step_types import STEP_TYPES, Permission, StepRegistry, StepType
from workflow_engine.models.workflow import LAMBDA_STEP_TYPES, STEP_MODELS
from workflow_engine.platform.settings import ApiSettings, step_function_arn_variables
from workflow_engine.steps.dispatch import typed_config


def test_the_engine_s_step_types_in_order() -> None:
    assert STEP_TYPES.names() == (
        "transform",
        "http",
        "ai",
        "wait",
        "choice",
        "parallel",
        "map",
        "approval",
        "workflow",
    )
    assert LAMBDA_STEP_TYPES == ("transform", "http", "ai", "approval", "workflow")
    assert [model.__name__ for model in STEP_MODELS.values()] == [
        "TransformStep",
        "HttpStep",
        "AiStep",
        "WaitStep",
        "ChoiceStep",
        "ParallelStep",
        "MapStep",
        "ApprovalStep",
        "WorkflowStep",
    ]
    assert [(spec.id, spec.handler) for spec in STEP_FUNCTIONS] == [
        ("TransformStep", "steps.handler.transform"),
        ("HttpStep", "steps.handler.http"),
        ("AiStep", "steps.handler.ai"),
        ("ApprovalStep", "steps.approval.handler"),  # its own handler: it stores a token, the decision logs
        ("WorkflowStep", "steps.handler.workflow"),
    ]
    assert step_function_arn_variables() == {
        "transform": "TRANSFORM_FUNCTION_ARN",
        "http": "HTTP_FUNCTION_ARN",
        "ai": "AI_FUNCTION_ARN",
        "approval": "APPROVAL_FUNCTION_ARN",
        "workflow": "WORKFLOW_FUNCTION_ARN",
    }


def test_only_the_ai_step_needs_a_permission_beyond_its_logs() -> None:
    needs = {spec.step_type: spec.permissions for spec in STEP_FUNCTIONS}
    assert needs["transform"] == needs["http"] == ()
    assert [permission.actions for permission in needs["ai"]] == [("bedrock:InvokeModel",)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: StepType("Echo", TransformConfig, "native"),  # a name must be lower case
        lambda: StepType("echo_2", TransformConfig, "native"),  # it names variables and construct ids
        lambda: StepType("echo", TransformConfig, "lambda"),  # a lambda type needs a runner and a function
        lambda: StepType("echo", WaitConfig, "native", runner="m:f"),  # a native one has neither
        lambda: Permission(("sqs:SendMessage",), ("arn:{partition}:sqs:*:*:q",)),  # a wildcard needs a reason
        lambda: Permission((), ("arn:aws:sqs:us-east-1:1:q",)),
    ],
)
def test_inconsistent_entries_are_refused(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_a_name_registers_once() -> None:
    registry = StepRegistry()
    entry = StepType("echo", WaitConfig, "native")
    registry.register(entry)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(StepType("echo", TransformConfig, "native"))
    assert list(registry) == [entry] and registry.lambda_types() == ()


def test_a_config_model_named_by_its_path_is_imported_when_first_read() -> None:
    named = StepType("echo", "workflow_engine.models.step_configs:WaitConfig", "native")
    assert named.config_model is WaitConfig and StepType("echo", WaitConfig, "native").config_model is WaitConfig
    with pytest.raises(AttributeError):
        _ = StepType("echo", "workflow_engine.models.step_configs:NoSuchConfig", "native").config_model
    # every entry of the registry names a real config model
    assert all(issubclass(step_type.config_model, Strict) for step_type in STEP_TYPES)


def test_api_settings_need_the_function_of_every_lambda_step_type() -> None:
    environ = {name: "x" for name in ApiSettings.stack_settings()} | {
        "HTTP_ALLOWED_NETWORKS": "",
        "HTTP_DENIED_ENDPOINTS": "",
    }
    settings = ApiSettings.from_env(environ)
    assert settings.step_function_arns == {"transform": "x", "http": "x", "ai": "x", "approval": "x", "workflow": "x"}
    with pytest.raises(ValueError, match="AI_FUNCTION_ARN"):
        ApiSettings.from_env({name: value for name, value in environ.items() if name != "AI_FUNCTION_ARN"})


def test_a_config_no_saved_workflow_sends_is_a_step_error_naming_each_problem() -> None:
    with pytest.raises(StepFailed) as raised:
        typed_config(STEP_TYPES["http"], {"url": "http://example.com", "method": "BREW", "extra": 1})
    assert str(raised.value).startswith("invalid http step config: method: ")
    assert "extra: Extra inputs are not permitted" in str(raised.value)


def test_a_step_function_imports_only_its_own_runner() -> None:
    """The transform function's cold start and first step import no http or ai code (nor a Bedrock client)."""
    probe = (
        "import sys\n"
        "import steps.handler as h\n"
        "assert h.runner('transform')({'expression': 'input.a'}, {'input': {'a': 1}, 'steps': {}}) == 1\n"
        "print(sorted(m for m in sys.modules if m.startswith(('workflow_engine.steps.', 'mypy_boto3'))))\n"
    )
    path = os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions"))
    environ = {
        **os.environ,
        "PYTHONPATH": path,
        "LOGS_TABLE": "logs",
        "HTTP_ALLOWED_NETWORKS": "",
        "HTTP_DENIED_ENDPOINTS": "",
        "SECRETS_PREFIX": "test/secrets",
    }
    environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    done = subprocess.run(  # noqa: S603 (this interpreter, our own probe)
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = done.stdout.strip()
    assert "workflow_engine.steps.transform" in loaded
    assert "workflow_engine.steps.http_request" not in loaded and "workflow_engine.steps.ai" not in loaded
