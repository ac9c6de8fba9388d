"""EventBridge "Step Functions Execution Status Change" -> the execution item (aborts, timeouts, misses)."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from workflow_engine.aws import client
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.execution_service import reconcile
from workflow_engine.observability import logger, tracer
from workflow_engine.settings import ReconcilerSettings

settings = ReconcilerSettings.from_env()
executions = ExecutionRepository(client("dynamodb"), settings.executions_table)


@logger.inject_lambda_context
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
    logger.info("reconciled", extra={"execution_id": detail["name"], "sfn_status": detail["status"], "status": status})
    return {"execution_id": detail["name"], "status": status}
