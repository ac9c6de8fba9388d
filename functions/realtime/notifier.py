"""DynamoDB Streams (executions and logs tables) -> messages to the owner's subscribed WebSocket connections.

Each record is handled on its own (Powertools BatchProcessor): a record that fails is reported in
`batchItemFailures` (retried, then sent to the DLQ by the event source mapping) and never holds back the
others.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from workflow_engine.aws import client
from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.observability import logger, tracer
from workflow_engine.realtime.notifier import Notifier
from workflow_engine.settings import NotifierSettings

settings = NotifierSettings.from_env()
notifier = Notifier(
    ConnectionRepository(client("dynamodb"), settings.connections_table),
    client("apigatewaymanagementapi", endpoint_url=settings.websocket_callback_url),
)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    delivery = notifier.notify(record.raw_event)
    if delivery.sent or delivery.gone or delivery.failed:
        logger.debug("delivered", extra={"sent": delivery.sent, "gone": delivery.gone, "failed": delivery.failed})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
