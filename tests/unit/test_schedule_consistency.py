"""The schedule item and the EventBridge Scheduler schedule stay consistent when one write fails (botocore Stubber
on the Scheduler client; the DynamoDB side a small fake): create undoes the Scheduler schedule when the item cannot
be stored; a Scheduler failure stores nothing; delete removes the Scheduler schedule first, so a failed item
delete can be retried; replace puts the previous schedule back when the item write fails. Each failure is a 503."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from workflow_engine.data.scheduler import SchedulerGateway, SchedulerTarget
from workflow_engine.models.errors import ServiceUnavailableError
from workflow_engine.models.schedules import ScheduleBody, ScheduleRecord
from workflow_engine.schedules.service import ScheduleRejected, ScheduleService

TARGET = SchedulerTarget(
    group_name="stack-schedules",
    function_arn="arn:aws:lambda:us-east-1:123456789012:function:start",
    role_arn="arn:aws:iam::123456789012:role/scheduler",
    dead_letter_queue_arn="arn:aws:sqs:us-east-1:123456789012:dlq",
)
FAILURE = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem")


class Schedules:
    """The schedules table, in memory; `fail` makes the named operation raise."""

    def __init__(self) -> None:
        self.items: dict[str, ScheduleRecord] = {}
        self.fail: set[str] = set()

    def put(self, record: ScheduleRecord, expected_updated_at: str | None = None) -> bool:
        if "put" in self.fail:
            raise FAILURE
        self.items[record.schedule_id] = record
        return True

    def get(self, user_id: str, workflow_id: str, schedule_id: str) -> ScheduleRecord | None:
        return self.items.get(schedule_id)

    def list(self, user_id: str, workflow_id: str) -> list[ScheduleRecord]:
        return list(self.items.values())

    def delete(self, user_id: str, workflow_id: str, schedule_id: str) -> None:
        if "delete" in self.fail:
            raise FAILURE
        self.items.pop(schedule_id, None)


class Workflows:
    def get(self, user_id: str, workflow_id: str) -> Any:
        return object()


@pytest.fixture
def scheduler() -> Any:
    client = boto3.client("scheduler", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def service(client: Any, schedules: Schedules) -> ScheduleService:
    return ScheduleService(schedules, SchedulerGateway(client, TARGET), Workflows())  # type: ignore[arg-type]


BODY = ScheduleBody(expression="rate(5 minutes)")
ARN = {"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/stack-schedules/x"}


def test_create_undoes_the_scheduler_schedule_when_the_item_cannot_be_stored(scheduler: Any) -> None:
    client, stubber = scheduler
    schedules = Schedules()
    schedules.fail.add("put")
    stubber.add_response(
        "create_schedule",
        ARN,
        {
            **{k: ANY for k in ("Name", "GroupName", "ScheduleExpression")},
            "ScheduleExpressionTimezone": "UTC",
            "State": "ENABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Description": ANY,
            "Target": ANY,
        },
    )
    stubber.add_response("delete_schedule", {}, {"Name": ANY, "GroupName": "stack-schedules"})
    with pytest.raises(ServiceUnavailableError, match="could not store the schedule"):
        service(client, schedules).create("user", "workflow", BODY)
    assert schedules.items == {}


def test_a_scheduler_failure_stores_nothing(scheduler: Any) -> None:
    client, stubber = scheduler
    schedules = Schedules()
    stubber.add_client_error("create_schedule", "ThrottlingException", http_status_code=400)
    with pytest.raises(ServiceUnavailableError, match="nothing changed"):
        service(client, schedules).create("user", "workflow", BODY)
    assert schedules.items == {}
    stubber.add_client_error("create_schedule", "ValidationException", http_status_code=400)
    with pytest.raises(ScheduleRejected):
        service(client, schedules).create("user", "workflow", BODY)


def test_delete_goes_scheduler_first_and_can_be_retried(scheduler: Any) -> None:
    client, stubber = scheduler
    schedules = Schedules()
    stubber.add_response("create_schedule", ARN)
    created = service(client, schedules).create("user", "workflow", BODY)
    schedules.fail.add("delete")
    stubber.add_response("delete_schedule", {})
    with pytest.raises(ServiceUnavailableError):
        service(client, schedules).delete("user", "workflow", created.id)
    assert created.id in schedules.items  # the item stays: the same DELETE can be sent again
    schedules.fail.clear()
    stubber.add_client_error("delete_schedule", "ResourceNotFoundException", http_status_code=404)
    service(client, schedules).delete("user", "workflow", created.id)
    assert schedules.items == {}


def test_replace_puts_the_previous_schedule_back_when_the_item_fails(scheduler: Any) -> None:
    client, stubber = scheduler
    schedules = Schedules()
    stubber.add_response("create_schedule", ARN)
    created = service(client, schedules).create("user", "workflow", BODY)
    schedules.fail.add("put")
    stubber.add_response(
        "update_schedule",
        ARN,
        {
            **{
                k: ANY
                for k in (
                    "Name",
                    "GroupName",
                    "ScheduleExpressionTimezone",
                    "FlexibleTimeWindow",
                    "Description",
                    "Target",
                )
            },
            "ScheduleExpression": "rate(1 hour)",
            "State": "DISABLED",
        },
    )
    stubber.add_response(
        "update_schedule",
        ARN,
        {
            **{
                k: ANY
                for k in (
                    "Name",
                    "GroupName",
                    "ScheduleExpressionTimezone",
                    "FlexibleTimeWindow",
                    "Description",
                    "Target",
                )
            },
            "ScheduleExpression": "rate(5 minutes)",
            "State": "ENABLED",
        },
    )
    with pytest.raises(ServiceUnavailableError):
        service(client, schedules).replace(
            "user", "workflow", created.id, ScheduleBody(expression="rate(1 hour)", enabled=False)
        )
    assert schedules.items[created.id].expression == "rate(5 minutes)"
