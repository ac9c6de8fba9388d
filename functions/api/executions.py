"""Lambda handler of the execution API (/api/workflows/{id}/execute, /api/workflows/executions...)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
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
from workflow_engine.errors import ConflictError, InvalidRequestError
from workflow_engine.execution_service import ExecutionService
from workflow_engine.models.execution import ExecutionResultResponse, RetryMode, RetryRequest, RetryResponse
from workflow_engine.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.settings import ApiSettings

settings = ApiSettings.from_env()
dynamodb = client("dynamodb")
service = ExecutionService(
    WorkflowRepository(dynamodb, settings.workflows_table),
    ExecutionRepository(dynamodb, settings.executions_table),
    LogRepository(dynamodb, settings.logs_table),
    client("stepfunctions"),
    stale_after_seconds=settings.stale_after_seconds,
    deliveries=DeliveryRepository(dynamodb, settings.notifications_table),
)

IDEMPOTENCY_MISMATCH = "Idempotency-Key was already used with a different request body"
IDEMPOTENCY_IN_PROGRESS = "A request with this Idempotency-Key is still in progress; retry it in a moment"


def _start(user_id: str, workflow_id: str, input_data: Any) -> dict[str, Any]:
    record = service.start(user_id, workflow_id, input_data)
    return ExecutionResultResponse.of(record).model_dump(mode="json")


@cache
def _idempotent_start() -> tuple[Any, Callable[..., dict[str, Any]], type[Exception], type[Exception]]:
    """Powertools idempotency around _start, built on the first request with an Idempotency-Key: the utility
    imports boto3 and its DynamoDB layer, which requests without a key (and the cold start) never need."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    # The key is scoped to the caller; the body (workflow + input) must match on repeat.
    config = IdempotencyConfig(
        event_key_jmespath='["user_id", "key"]',
        payload_validation_jmespath='["workflow_id", "input_data"]',
        expires_after_seconds=settings.idempotency_ttl_seconds,
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def start_once(request: dict[str, Any]) -> dict[str, Any]:
        return _start(request["user_id"], request["workflow_id"], request["input_data"])

    return config, start_once, IdempotencyValidationError, IdempotencyAlreadyInProgressError


def start_execution(user_id: str, workflow_id: str, input_data: Any, idempotency_key: str | None) -> dict[str, Any]:
    if idempotency_key is None:
        return _start(user_id, workflow_id, input_data)
    config, start_once, mismatch, in_progress = _idempotent_start()
    config.register_lambda_context(app.lambda_context)
    request = {"user_id": user_id, "key": idempotency_key, "workflow_id": workflow_id, "input_data": input_data}
    try:
        return start_once(request=request)
    except mismatch:
        raise InvalidRequestError(IDEMPOTENCY_MISMATCH) from None
    except in_progress:
        raise ConflictError(IDEMPOTENCY_IN_PROGRESS) from None


def _retry(user_id: str, execution_id: str, mode: str, input_data: Any, replaces_input: bool) -> dict[str, Any]:
    record = service.retry(user_id, execution_id, RetryMode(mode), input_data, replaces_input)
    return RetryResponse.of(record).model_dump(mode="json")


@cache
def _idempotent_retry() -> tuple[Any, Callable[..., dict[str, Any]], type[Exception], type[Exception]]:
    """Powertools idempotency around _retry, as _idempotent_start does it for _start (a separate function name,
    so the same key on execute and on retry are two different requests)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    # The key is scoped to the caller; the body (execution, mode, input) must match on repeat.
    config = IdempotencyConfig(
        event_key_jmespath='["user_id", "key"]',
        payload_validation_jmespath='["execution_id", "mode", "input_data", "replaces_input"]',
        expires_after_seconds=settings.idempotency_ttl_seconds,
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def retry_once(request: dict[str, Any]) -> dict[str, Any]:
        return _retry(
            request["user_id"],
            request["execution_id"],
            request["mode"],
            request["input_data"],
            request["replaces_input"],
        )

    return config, retry_once, IdempotencyValidationError, IdempotencyAlreadyInProgressError


def retry_execution(
    user_id: str, execution_id: str, retry: RetryRequest, idempotency_key: str | None
) -> dict[str, Any]:
    if idempotency_key is None:
        return _retry(user_id, execution_id, retry.mode.value, retry.input_data, retry.replaces_input)
    config, retry_once, mismatch, in_progress = _idempotent_retry()
    config.register_lambda_context(app.lambda_context)
    request = {
        "user_id": user_id,
        "key": idempotency_key,
        "execution_id": execution_id,
        "mode": retry.mode.value,
        "input_data": retry.input_data,
        "replaces_input": retry.replaces_input,
    }
    try:
        return retry_once(request=request)
    except mismatch:
        raise InvalidRequestError(IDEMPOTENCY_MISMATCH) from None
    except in_progress:
        raise ConflictError(IDEMPOTENCY_IN_PROGRESS) from None


app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    app.append_context(executions=service, start_execution=start_execution, retry_execution=retry_execution)
    return app.resolve(event, context)
