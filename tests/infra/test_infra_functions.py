"""Lambda functions: one per catalog entry, Python 3.13 on arm64, traced, JSON-logged, configured per kind."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from infra.catalog import (
    FUNCTIONS,
    NOTIFICATIONS,
    STACK_NAME,
    STEP_FUNCTIONS,
    STEP_SETTINGS,
    WORKFLOWS_API,
    FunctionSpec,
)
from workflow_engine.platform import api_settings, consumer_settings, realtime_settings, settings, step_settings, tables

if TYPE_CHECKING:
    from conftest import Synthesized

# One worker synthesizes the app once for all infra tests (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("infra")

LIBRARY_ENV = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "PYDANTIC_DISABLE_PLUGINS",
}
SETTINGS_BY_KIND = {
    "api": settings.ApiSettings,
    "step": step_settings.StepSettings,
    "reconciler": consumer_settings.ReconcilerSettings,
    "metrics": consumer_settings.MetricsSettings,
    "queries": api_settings.QuerySettings,
    "ws-authorizer": realtime_settings.AuthorizerSettings,
    "ws-route": realtime_settings.RealtimeSettings,
    "notifier": realtime_settings.NotifierSettings,
    "ws-default": settings.EnvSettings,  # reads no setting
    "notifications": consumer_settings.NotificationSettings,
    "secrets": api_settings.SecretsSettings,
    "scheduler": api_settings.ScheduledStartSettings,
    "webhooks": api_settings.WebhookSettings,
    "triggers": api_settings.TriggersApiSettings,
}
# A function whose settings are more than its kind's: the workflow API also deletes a workflow's schedules and triggers.
SETTINGS_BY_FUNCTION = {WORKFLOWS_API.id: api_settings.WorkflowsApiSettings}


def _props(synth: Synthesized, spec: FunctionSpec) -> dict:
    return synth.resource(synth.stack.functions.functions[spec.id])["Properties"]


def _variables(synth: Synthesized, spec: FunctionSpec) -> dict:
    return _props(synth, spec)["Environment"]["Variables"]


def _ours(synth: Synthesized, resource_type: str) -> dict[str, dict]:
    """Resources of a type but CDK's BucketDeployment provider and its AWS CLI layer (infra/constructs/web.py),
    which run only while a deployment copies the web app."""
    cdk_owned = ("CustomCDKBucketDeployment", "WebDeployAwsCliLayer")
    return {key: value for key, value in synth.of_type(resource_type).items() if not key.startswith(cdk_owned)}


def test_one_function_per_catalog_entry(synth: Synthesized) -> None:
    functions = synth.of_type("AWS::Lambda::Function")
    assert len(_ours(synth, "AWS::Lambda::Function")) == len(FUNCTIONS)
    assert len(functions) == len(FUNCTIONS) + 1


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.id)
def test_function_runtime_and_observability(synth: Synthesized, spec: FunctionSpec) -> None:
    props = _props(synth, spec)

    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == spec.handler
    assert props["Timeout"] == spec.timeout_seconds
    assert props["MemorySize"] == spec.memory_mb
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert synth.resources[log_group_id]["Type"] == "AWS::Logs::LogGroup"
    assert "FunctionName" not in props


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.id)
def test_function_layers_are_ours_shared_code_and_dependencies(synth: Synthesized, spec: FunctionSpec) -> None:
    layers = _props(synth, spec)["Layers"]

    functions = synth.stack.functions
    # CDK orders layers by construct path (@aws-cdk/aws-lambda:recognizeLayerVersion); they share no file
    # (test_infra_dependencies.py), so the order changes nothing.
    assert layers == [synth.ref(functions.common_layer), synth.ref(functions.dependencies_layer)]


def test_layers_target_the_function_runtime(synth: Synthesized) -> None:
    layers = _ours(synth, "AWS::Lambda::LayerVersion").values()
    assert len(layers) == 2
    for layer in layers:
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_functions_share_one_code_asset(synth: Synthesized) -> None:
    keys = {str(function["Properties"]["Code"]["S3Key"]) for function in _ours(synth, "AWS::Lambda::Function").values()}
    assert len(keys) == 1


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.id)
def test_environment_is_exactly_what_the_settings_ask_for(synth: Synthesized, spec: FunctionSpec) -> None:
    variables = _variables(synth, spec)
    # a step function's settings are its kind's, unless its step type asks for more (the approval's)
    model = STEP_SETTINGS.get(spec.step_type or "", SETTINGS_BY_FUNCTION.get(spec.id, SETTINGS_BY_KIND[spec.kind]))
    # the fields without a default, but not those the Lambda runtime sets itself (AWS_REGION)
    required = {name.upper() for name, field in model.model_fields.items() if field.is_required()}
    required -= settings.RUNTIME_VARIABLES
    if "STEP_FUNCTION_ARNS" in required:  # one variable per Lambda-kind step type of the registry
        required = (required - {"STEP_FUNCTION_ARNS"}) | set(settings.step_function_arn_variables().values())

    assert spec.settings is model
    assert set(variables) == required | LIBRARY_ENV == set(spec.environment_names())
    assert variables["POWERTOOLS_SERVICE_NAME"] == spec.id
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "WorkflowEngine"
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert variables["PYDANTIC_DISABLE_PLUGINS"] == "__all__"


@pytest.mark.parametrize("spec", STEP_FUNCTIONS, ids=lambda spec: spec.id)
def test_step_function_settings(synth: Synthesized, spec: FunctionSpec) -> None:
    variables = _variables(synth, spec)

    assert variables["LOGS_TABLE"] == synth.ref(synth.stack.data.table(tables.LOGS))
    assert variables["HTTP_ALLOWED_NETWORKS"] == ""


@pytest.mark.parametrize("spec", [spec for spec in FUNCTIONS if spec.kind == "api"], ids=lambda spec: spec.id)
def test_api_function_settings(synth: Synthesized, spec: FunctionSpec) -> None:
    variables = _variables(synth, spec)
    data, orchestration, functions = synth.stack.data, synth.stack.orchestration, synth.stack.functions

    assert variables["WORKFLOWS_TABLE"] == synth.ref(data.table(tables.WORKFLOWS))
    assert variables["EXECUTIONS_TABLE"] == synth.ref(data.table(tables.EXECUTIONS))
    assert variables["LOGS_TABLE"] == synth.ref(data.table(tables.LOGS))
    assert variables["IDEMPOTENCY_TABLE"] == synth.ref(data.table(tables.IDEMPOTENCY))
    assert variables["STATE_MACHINE_PREFIX"] == f"{STACK_NAME}-wf-"
    assert variables["STATES_ROLE_ARN"] == synth.get_att(orchestration.role)
    # Step Functions logging wants the log group ARN ending in ":*", which is what the Arn attribute returns.
    assert variables["STATE_MACHINE_LOG_GROUP_ARN"] == synth.get_att(orchestration.log_group)
    for step in STEP_FUNCTIONS:
        assert variables[f"{(step.step_type or '').upper()}_FUNCTION_ARN"] == synth.get_att(
            functions.functions[step.id]
        )


def test_reconciler_settings(synth: Synthesized) -> None:
    variables = _variables(synth, next(spec for spec in FUNCTIONS if spec.kind == "reconciler"))
    assert variables["EXECUTIONS_TABLE"] == synth.ref(synth.stack.data.table(tables.EXECUTIONS))


def test_every_log_group_has_a_retention(synth: Synthesized) -> None:
    log_groups = synth.of_type("AWS::Logs::LogGroup")
    assert log_groups
    for logical_id, log_group in log_groups.items():
        assert log_group["Properties"].get("RetentionInDays", 0) > 0, logical_id


def test_notifications_read_the_executions_stream_and_put_events_on_the_default_bus_only(
    synth: Synthesized,
) -> None:
    stack = synth.stack
    variables = _variables(synth, NOTIFICATIONS)
    assert variables["WORKFLOWS_TABLE"] == synth.ref(stack.data.table(tables.WORKFLOWS))
    assert variables["NOTIFICATIONS_TABLE"] == synth.ref(stack.data.table(tables.NOTIFICATIONS))
    assert variables["WEBHOOK_DEAD_LETTER_QUEUE_URL"] == synth.ref(stack.functions.webhook_failures)
    assert variables["HTTP_ALLOWED_NETWORKS"] == ""  # https only, no internal address, on AWS
    permissions = synth.permissions(stack.functions.roles[NOTIFICATIONS.id])
    (bus,) = permissions["events:PutEvents"]
    assert json.dumps(bus).endswith(':event-bus/default"]]}')
    assert "sqs:SendMessage" in permissions
    mappings = synth.of_type("AWS::Lambda::EventSourceMapping")
    consumer = synth.ref(stack.functions.functions[NOTIFICATIONS.id])
    properties = [mapping["Properties"] for mapping in mappings.values()]
    sources = [p["EventSourceArn"] for p in properties if p["FunctionName"] == consumer]
    assert sources == [synth.get_att(stack.data.table(tables.EXECUTIONS), "StreamArn")]
