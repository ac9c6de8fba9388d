"""Lambda handler of the execution API (/api/workflows/{id}/execute, /api/workflows/executions...)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function

from api.errors import register_error_handlers
from api.execution_routes import router
from workflow_engine.aws import client
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.execution_service import ExecutionService
from workflow_engine.models.execution import ExecutionResultResponse
from workflow_engine.observability import logger, tracer
from workflow_engine.settings import ApiSettings

settings = ApiSettings.from_env()
dynamodb = client("dynamodb")
service = ExecutionService(
    WorkflowRepository(dynamodb, settings.workflows_table),
    ExecutionRepository(dynamodb, settings.executions_table),
    LogRepository(dynamodb, settings.logs_table),
    client("stepfunctions"),
    stale_after_seconds=settings.stale_after_seconds,
)

# Idempotency-Key: the key is scoped to the caller; the body (workflow + input) must match on repeat.
idempotency = IdempotencyConfig(
    event_key_jmespath='["user_id", "key"]',
    payload_validation_jmespath='["workflow_id", "input_data"]',
    expires_after_seconds=settings.idempotency_ttl_seconds,
)
persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)


def _start(user_id: str, workflow_id: str, input_data: Any) -> dict[str, Any]:
    record = service.start(user_id, workflow_id, input_data)
    return ExecutionResultResponse.of(record).model_dump(mode="json")


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=idempotency)
def _start_once(request: dict[str, Any]) -> dict[str, Any]:
    return _start(request["user_id"], request["workflow_id"], request["input_data"])


def start_execution(user_id: str, workflow_id: str, input_data: Any, idempotency_key: str | None) -> dict[str, Any]:
    if idempotency_key is None:
        return _start(user_id, workflow_id, input_data)
    request = {"user_id": user_id, "key": idempotency_key, "workflow_id": workflow_id, "input_data": input_data}
    return _start_once(request=request)


app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    idempotency.register_lambda_context(context)
    app.append_context(executions=service, start_execution=start_execution)
    return app.resolve(event, context)
