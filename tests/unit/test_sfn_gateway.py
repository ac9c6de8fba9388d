"""The Step Functions gateway turns the SDK's errors into the domain's, once, and reads whole histories."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from workflow_engine.data.sfn_gateway import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    StepFunctionsError,
    StepFunctionsGateway,
    execution_arn,
    status_of,
)
from workflow_engine.models.lifecycle import ExecutionStatus

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:wf"
ARN = "arn:aws:states:us-east-1:123456789012:execution:wf:e-1"


@pytest.fixture
def sfn():
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_execution_arn_names_the_execution_of_the_state_machine():
    assert execution_arn(MACHINE, "e-1") == ARN


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ExecutionDoesNotExist", ExecutionDoesNotExist),
        ("ExecutionAlreadyExists", ExecutionAlreadyExists),
        ("ThrottlingException", StepFunctionsError),
    ],
)
def test_a_service_error_becomes_a_domain_error_with_its_code(sfn, code, error):
    client, stubber = sfn
    stubber.add_client_error("stop_execution", service_error_code=code)
    with pytest.raises(error) as raised:
        StepFunctionsGateway(client).stop(ARN, "why")
    assert raised.value.code == code and type(raised.value) is error


def test_no_answer_at_all_becomes_a_domain_error_named_by_the_sdk_error():
    class Unreachable:
        def start_execution(self, **_):
            raise EndpointConnectionError(endpoint_url="https://states.example")

    with pytest.raises(StepFunctionsError) as raised:
        StepFunctionsGateway(Unreachable()).start(MACHINE, "e-1", "{}")  # type: ignore[arg-type]
    assert raised.value.code == "EndpointConnectionError"


def test_describe_answers_the_outcome(sfn):
    client, stubber = sfn
    stubber.add_response(
        "describe_execution",
        {
            "executionArn": ARN,
            "stateMachineArn": MACHINE,
            "status": "FAILED",
            "startDate": "2026-01-01T00:00:00Z",
            "error": "States.Timeout",
            "cause": "slow",
        },
        {"executionArn": ARN},
    )
    described = StepFunctionsGateway(client).describe(ARN)
    assert (described.status, described.output, described.error, described.cause) == (
        "FAILED",
        None,
        "States.Timeout",
        "slow",
    )
    assert status_of(described.status) is ExecutionStatus.FAILED and status_of("UNKNOWN") is None


def test_history_reads_every_page_with_the_data(sfn):
    client, stubber = sfn

    def event(n: int) -> dict:
        return {"timestamp": "2026-01-01T00:00:00Z", "type": "PassStateEntered", "id": n}

    request = {"executionArn": ARN, "includeExecutionData": True, "maxResults": 1000}
    stubber.add_response("get_execution_history", {"events": [event(1), event(2)], "nextToken": "t"}, request)
    stubber.add_response("get_execution_history", {"events": [event(3)]}, {**request, "nextToken": "t"})
    assert [e["id"] for e in StepFunctionsGateway(client).history(ARN)] == [1, 2, 3]


def test_a_history_that_is_gone_is_execution_does_not_exist(sfn):
    client, stubber = sfn
    stubber.add_client_error("get_execution_history", service_error_code="ExecutionDoesNotExist")
    with pytest.raises(ExecutionDoesNotExist):
        StepFunctionsGateway(client).history(ARN)
