"""Routes of the execution API: the seed's five endpoints, exact paths, and retry.

`/api/workflows/executions...` is declared before `/api/workflows/<workflow_id>/...` style routes of the
other function; API Gateway (and the local stack) prefer literal path segments over variables, so
"executions" is never read as a workflow id.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from api.errors import NEXT_TOKEN, responses
from api.identity import caller_id
from workflow_engine.data.logs import LogFilter
from workflow_engine.data.query import MAX_OFFSET
from workflow_engine.execution_service import ExecutionService
from workflow_engine.models.execution import (
    ExecuteRequest,
    ExecutionLogResponse,
    ExecutionResultResponse,
    ExecutionStatus,
    ExecutionStatusResponse,
    RetryRequest,
    RetryResponse,
)
from workflow_engine.models.notification import DeliveryResponse

router = Router()

ExecutionId = Annotated[UUID, Path(description="Execution id (UUID)")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key",
        min_length=1,
        max_length=128,
        description="Repeat-safe key: same key + body, same execution",
    ),
]


def _service() -> ExecutionService:
    return router.context["executions"]


@router.post(
    "/api/workflows/<workflow_id>/execute",
    summary="Start an execution of a workflow",
    responses=responses(
        202,
        "Accepted: the execution is pending or running",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def execute_workflow(
    workflow_id: Annotated[UUID, Path(description="Workflow id (UUID)")],
    request: ExecuteRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response[ExecutionResultResponse]:
    input_data = request.input_data if request else None
    start: Any = router.context["start_execution"]
    body = start(caller_id(router), str(workflow_id), input_data, idempotency_key)
    return Response(202, content_types.APPLICATION_JSON, body)


@router.get(
    "/api/workflows/executions",
    summary="List your executions, newest first",
    responses=responses(200, "Your executions, newest first", headers=NEXT_TOKEN),
)
def list_executions(
    workflow_id: Annotated[UUID | None, Query()] = None,
    status_filter: Annotated[ExecutionStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[list[ExecutionStatusResponse]]:
    records, token = _service().list(
        caller_id(router),
        limit=limit,
        offset=offset,
        next_token=next_token,
        workflow_id=str(workflow_id) if workflow_id else None,
        status=status_filter,
    )
    headers = {"X-Next-Token": token} if token else {}
    body = [ExecutionStatusResponse.of(record) for record in records]
    return Response(200, content_types.APPLICATION_JSON, body, headers=headers)


@router.get(
    "/api/workflows/executions/<execution_id>",
    summary="Get an execution's status",
    responses=responses(200, "The execution", HTTPStatus.NOT_FOUND),
)
def get_execution(execution_id: ExecutionId) -> ExecutionStatusResponse:
    return ExecutionStatusResponse.of(_service().get(caller_id(router), str(execution_id)))


@router.get(
    "/api/workflows/executions/<execution_id>/logs",
    summary="Step logs of an execution, oldest first",
    responses=responses(200, "One item per step attempt, oldest first", HTTPStatus.NOT_FOUND),
)
def get_execution_logs(
    execution_id: ExecutionId,
    step_type: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    step_name: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
    has_error: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ExecutionLogResponse]:
    filters = LogFilter(step_type=step_type, step_name=step_name, has_error=has_error)
    records = _service().logs(caller_id(router), str(execution_id), filters, limit)
    return [ExecutionLogResponse.of(record) for record in records]


@router.post(
    "/api/workflows/executions/<execution_id>/cancel",
    summary="Cancel a pending or running execution",
    responses=responses(200, "The execution, now cancelled", HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def cancel_execution(execution_id: ExecutionId) -> ExecutionStatusResponse:
    return ExecutionStatusResponse.of(_service().cancel(caller_id(router), str(execution_id)))


@router.post(
    "/api/workflows/executions/<execution_id>/retry",
    summary="Retry a failed, cancelled or timed-out execution as a new execution (restart or resume)",
    description=(
        "`restart` runs the workflow's current version from the start; `resume` runs the version the original "
        "ran from the step where it stopped, reusing the recorded results of the steps before it (their logs "
        "say `reused` and point at the original attempt). `input_data`, when given, replaces the input. The "
        "original execution is never changed; the new one carries `retry_of`."
    ),
    responses=responses(
        202,
        "Accepted: the new execution",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def retry_execution(
    execution_id: ExecutionId, request: RetryRequest, idempotency_key: IdempotencyKey = None
) -> Response[RetryResponse]:
    retry: Any = router.context["retry_execution"]
    body = retry(caller_id(router), str(execution_id), request, idempotency_key)
    return Response(202, content_types.APPLICATION_JSON, body)


@router.get(
    "/api/workflows/executions/<execution_id>/notifications",
    summary="Webhook deliveries of an execution's outcome, with every attempt",
    responses=responses(200, "One item per delivery (oldest first), each with its attempts", HTTPStatus.NOT_FOUND),
)
def get_execution_notifications(execution_id: ExecutionId) -> list[DeliveryResponse]:
    records = _service().notifications(caller_id(router), str(execution_id))
    return [DeliveryResponse.of(record) for record in records]
