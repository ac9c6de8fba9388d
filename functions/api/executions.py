"""Lambda handler of the execution API (/api/workflows/{id}/execute, /api/workflows/executions...)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from api.errors import register_error_handlers
from api.execution_routes import router
from api.request_body import parse_json_body
from workflow_engine.aws import client
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.execution_service import ExecutionService
from workflow_engine.idempotency import IdempotentCalls
from workflow_engine.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.settings import ApiSettings

settings = ApiSettings.from_env()
dynamodb = client("dynamodb")
idempotency = IdempotentCalls(dynamodb, settings.idempotency_table, settings.idempotency_ttl_seconds)
service = ExecutionService(
    WorkflowRepository(dynamodb, settings.workflows_table),
    ExecutionRepository(dynamodb, settings.executions_table),
    LogRepository(dynamodb, settings.logs_table),
    client("stepfunctions"),
    stale_after_seconds=settings.stale_after_seconds,
    deliveries=DeliveryRepository(dynamodb, settings.notifications_table),
    idempotency=idempotency,
)

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    idempotency.register_lambda_context(context)
    app.append_context(executions=service)
    return app.resolve(event, context)
