"""DynamoDB Streams of the executions and logs tables -> the metrics table (one consumer, one concern).

Each record is one contribution (workflow_engine.models.metric_aggregation), counted exactly once by a transaction
with a `processed` marker (workflow_engine.data.metrics): a redelivered batch counts nothing twice. A record that
fails is reported in `batchItemFailures` (Powertools batch processing), so the stream retries from it; records
already counted before it are skipped by their markers.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from workflow_engine.data.codec import from_item
from workflow_engine.data.metrics import MetricsRepository
from workflow_engine.models.metric_aggregation import contribution_of
from workflow_engine.platform.aws import client
from workflow_engine.platform.consumer_settings import MetricsSettings
from workflow_engine.platform.observability import bind_log_keys, correlated, logger, tracer

settings = MetricsSettings.from_env()
metrics = MetricsRepository(client("dynamodb"), settings.metrics_table)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _image(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    image = record.get("dynamodb", {}).get(name)
    return from_item(image) if image else None


def count_record(record: DynamoDBRecord) -> bool | None:
    """Count one stream record: True if counted now, False if counted before, None if it adds nothing."""
    raw = record.raw_event
    contribution = contribution_of(raw.get("eventName", ""), _image(raw, "NewImage"), _image(raw, "OldImage"))
    if contribution is None:
        return None
    bind_log_keys(user_id=contribution.user_id, workflow_id=contribution.workflow_id)
    return metrics.record(contribution)


def _no_batch_keys(_event: Any) -> dict[str, Any]:
    return {}  # a batch mixes users and workflows: keys are bound per record (count_record)


@logger.inject_lambda_context
@correlated(_no_batch_keys)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=count_record, processor=processor, context=context)
