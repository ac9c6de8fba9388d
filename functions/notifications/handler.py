"""Executions table stream -> EventBridge event and signed webhook on each terminal outcome
(workflow_engine.notifications.outcomes). Reports the records that failed (partial batch response)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.notifications.outcomes import NotificationDispatcher
from workflow_engine.platform.aws import client
from workflow_engine.platform.consumer_settings import NotificationSettings
from workflow_engine.platform.observability import correlated, logger, tracer

settings = NotificationSettings.from_env()
dynamodb = client("dynamodb")
dispatcher = NotificationDispatcher(
    WorkflowRepository(dynamodb, settings.workflows_table),
    DeliveryRepository(dynamodb, settings.notifications_table),
    client("events"),
    client("sqs"),
    settings,
)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord, lambda_context: Any) -> None:
    change = record.raw_event.get("dynamodb", {})
    dispatcher.on_change(
        change.get("OldImage"),
        change.get("NewImage"),
        lambda: lambda_context.get_remaining_time_in_millis() / 1000,
    )


@logger.inject_lambda_context
@correlated(
    lambda event: {}
)  # a batch spans executions: each record binds its own keys (NotificationDispatcher.on_change)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
