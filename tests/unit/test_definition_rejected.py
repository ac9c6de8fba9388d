"""Step Functions' InvalidDefinition is a clear 422 with AWS's diagnostic (logged too), never a bare 500 or a 503."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from workflow_engine.models.errors import DefinitionRejected, InvalidRequestError, ServiceUnavailableError
from workflow_engine.models.workflow import WorkflowDefinition
from workflow_engine.platform.settings import ApiSettings
from workflow_engine.workflows.service import WorkflowService

SETTINGS = ApiSettings(
    workflows_table="w",
    executions_table="e",
    logs_table="l",
    idempotency_table="i",
    state_machine_prefix="wfe-",
    states_role_arn="arn:aws:iam::123456789012:role/states",
    state_machine_log_group_arn="arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/wf:*",
    step_function_arns={
        t: f"arn:aws:lambda:us-east-1:123456789012:function:{t}"
        for t in ("transform", "http", "ai", "approval", "workflow")
    },
    notifications_table="n",
    http_allowed_networks="",
    http_denied_endpoints="",
)
DIAGNOSTIC = "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State \"X\" is not reachable at /States/X'"
DEFINITION = WorkflowDefinition(name="w", steps=[{"name": "nap", "type": "wait", "config": {"seconds": 1}}])


class NoRepository:
    def create(self, record):  # pragma: no cover - never reached: the machine is refused first
        raise AssertionError("nothing is stored when the machine is refused")


@pytest.fixture
def stubbed():
    client = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


def test_invalid_definition_is_a_422_with_the_diagnostic(stubbed, caplog):
    client, stubber = stubbed
    stubber.add_client_error(
        "create_state_machine",
        service_error_code="InvalidDefinition",
        service_message=DIAGNOSTIC,
        http_status_code=400,
        expected_params={
            "name": ANY,
            "definition": ANY,
            "roleArn": ANY,
            "type": "STANDARD",
            "publish": True,
            "versionDescription": ANY,
            "tracingConfiguration": ANY,
            "loggingConfiguration": ANY,
        },
    )
    service = WorkflowService(NoRepository(), client, SETTINGS)
    with pytest.raises(DefinitionRejected) as raised:
        service.create("user-1", DEFINITION)
    assert isinstance(raised.value, InvalidRequestError)  # -> 422 (functions/api/errors.py)
    assert "MISSING_TRANSITION_TARGET" in str(raised.value)
    logged = [record for record in caplog.records if getattr(record, "diagnostic", None) == DIAGNOSTIC]
    assert logged and logged[0].levelname == "ERROR"  # logged whole, for the compiler's authors


def test_other_failures_stay_a_503(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("create_state_machine", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(ServiceUnavailableError):
        WorkflowService(NoRepository(), client, SETTINGS).create("user-1", DEFINITION)
