"""DynamoDB Streams (executions and logs tables) -> messages to the owner's subscribed WebSocket connections.

Each record's targets are listed on its own (Powertools BatchProcessor): a record that fails is reported in
`batchItemFailures` (retried, then sent to the DLQ by the event source mapping) and never holds back the
others. Then the batch's posts go out together through one bounded pool, each with short timeouts and no
retry (workflow_engine.realtime.notifier), so one user's many connections never delay another user's message.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import logger, tracer
from workflow_engine.platform.realtime_settings import NotifierSettings
from workflow_engine.realtime.notifier import Fanout, Notifier

settings = NotifierSettings.from_env()
management_api = client(
    "apigatewaymanagementapi",
    endpoint_url=settings.websocket_callback_url,
    config={
        "connect_timeout": settings.post_connect_timeout_seconds,
        "read_timeout": settings.post_read_timeout_seconds,
        "retries": {"mode": "standard", "total_max_attempts": 1},  # a slow connection is not waited for twice
        "max_pool_connections": settings.post_concurrency,
    },
)
notifier = Notifier(
    ConnectionRepository(client("dynamodb"), settings.connections_table),
    management_api,
    concurrency=settings.post_concurrency,
)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    fanouts: list[Fanout] = []

    def record_handler(record: DynamoDBRecord) -> None:
        fanout = notifier.plan(record.raw_event)
        if fanout is not None:
            fanouts.append(fanout)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    delivery = notifier.deliver(fanouts)
    if delivery.sent or delivery.gone or delivery.failed:
        logger.debug("delivered", extra={"sent": delivery.sent, "gone": delivery.gone, "failed": delivery.failed})
    return response
