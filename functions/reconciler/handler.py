"""EventBridge "Step Functions Execution Status Change" -> the execution item (aborts, timeouts, misses)."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.executions.reconcile import reconcile
from workflow_engine.platform import business_metrics
from workflow_engine.platform.aws import client
from workflow_engine.platform.consumer_settings import ReconcilerSettings
from workflow_engine.platform.observability import bind_log_keys, correlated, logger, tracer

settings = ReconcilerSettings.from_env()
executions = ExecutionRepository(client("dynamodb"), settings.executions_table)


@logger.inject_lambda_context
@correlated(lambda event: {"execution_id": event["detail"]["name"]})
@tracer.capture_lambda_handler
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: object) -> dict:
    detail = event.detail
    record = reconcile(
        executions,
        execution_id=detail["name"],
        sfn_status=detail["status"],
        output=detail.get("output"),
        error=detail.get("error"),
        cause=detail.get("cause"),
    )
    status = record.status.value if record else None
    if record:
        bind_log_keys(workflow_id=record.workflow_id, user_id=record.user_id)
    if status in business_metrics.EXECUTIONS_FINISHED:  # every terminal status change reaches this function once
        business_metrics.count(business_metrics.EXECUTIONS_FINISHED[status])
    logger.info("reconciled", extra={"execution_id": detail["name"], "sfn_status": detail["status"], "status": status})
    return {"execution_id": detail["name"], "status": status}
