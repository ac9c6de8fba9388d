"""Routes of the execution API: the seed's five endpoints, exact paths, the batch and compare routes, retry and
notifications.

`/api/workflows/executions...` is declared before `/api/workflows/<workflow_id>/...` style routes of the
other function; API Gateway (and the local stack) prefer literal path segments over variables, so
"executions" is never read as a workflow id. Likewise `/api/workflows/executions/compare` and `/batch-*` are
never read as an `<execution_id>`: API Gateway and the local gateway prefer the literal route, and the
Powertools resolver tries every static route before any dynamic one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from api.errors import NEXT_TOKEN, responses
from api.identity import caller_id
from api.query_params import ParentStep, SearchText, StartedAfter, StartedBefore
from workflow_engine.data.logs import LogFilter
from workflow_engine.data.query import MAX_OFFSET
from workflow_engine.executions.approvals import DecideApproval
from workflow_engine.executions.cancel import CancelExecutions
from workflow_engine.executions.comparison import compare
from workflow_engine.executions.idempotency import IdempotentUseCase
from workflow_engine.executions.reads import ExecutionReads
from workflow_engine.executions.retry import RetryCommand
from workflow_engine.executions.start import StartCommand
from workflow_engine.models.approvals import ApprovalDecisionRequest
from workflow_engine.models.batch import (
    MAX_COMPARE_IDS,
    MIN_COMPARE_IDS,
    BatchCancelResponse,
    BatchGetResponse,
    ComparisonResponse,
    ExecutionIdsRequest,
    repeated,
)
from workflow_engine.models.errors import InvalidRequestError, PayloadTooLargeError
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
from workflow_engine.models.run_trigger import TriggerType
from workflow_engine.models.time_range import TimeRange

router = Router()

# A Lambda function returns at most 6 MB; the HTTP API proxy response carries the body as an escaped JSON string.
MAX_RESPONSE_BYTES = 5_500_000
Answer = TypeVar("Answer", BatchGetResponse, ComparisonResponse)

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


@dataclass(frozen=True)
class ExecutionUseCases:
    """What the routes serve (the handler builds it once and passes it in the router's context)."""

    start: IdempotentUseCase[StartCommand, ExecutionResultResponse]
    retry: IdempotentUseCase[RetryCommand, RetryResponse]
    cancel: CancelExecutions
    reads: ExecutionReads
    decide: DecideApproval


def _use_cases() -> ExecutionUseCases:
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
    command = StartCommand(workflow_id=str(workflow_id), input_data=input_data)
    result = _use_cases().start(caller_id(router), command, idempotency_key=idempotency_key)
    return Response(202, content_types.APPLICATION_JSON, result)


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
    started_after: StartedAfter = None,
    started_before: StartedBefore = None,
    parent_execution_id: Annotated[UUID | None, Query(description="Only the child executions of this one")] = None,
    trigger_type: Annotated[TriggerType | None, Query(description="Only the executions started this way")] = None,
) -> Response[list[ExecutionStatusResponse]]:
    started = TimeRange.parse(started_after, started_before)
    records, token = _use_cases().reads.list_page(
        caller_id(router),
        limit=limit,
        offset=offset,
        next_token=next_token,
        workflow_id=str(workflow_id) if workflow_id else None,
        status=status_filter,
        started=started,
        parent_execution_id=str(parent_execution_id) if parent_execution_id else None,
        trigger_type=trigger_type,
    )
    headers = {"X-Next-Token": token} if token else {}
    body = [ExecutionStatusResponse.of(record) for record in records]
    return Response(200, content_types.APPLICATION_JSON, body, headers=headers)


@router.post(
    "/api/workflows/executions/batch-get",
    summary="Get up to 100 executions' status in one request",
    responses=responses(
        200,
        "Your executions among the ids, in request order; the others in not_found",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ),
)
def batch_get_executions(request: ExecutionIdsRequest) -> BatchGetResponse:
    ids = [str(execution_id) for execution_id in request.execution_ids]
    records, not_found = _use_cases().reads.batch_get(caller_id(router), ids)
    answer = BatchGetResponse(executions=[ExecutionStatusResponse.of(r) for r in records], not_found=not_found)
    return _within_response_limit(answer, "ask for fewer ids at a time")


@router.post(
    "/api/workflows/executions/batch-cancel",
    summary="Cancel up to 100 executions; one outcome per id",
    responses=responses(200, "One result per id, in request order (a failed cancel is that id's `error`)"),
)
def batch_cancel_executions(request: ExecutionIdsRequest) -> BatchCancelResponse:
    ids = [str(execution_id) for execution_id in request.execution_ids]
    context = router.lambda_context
    results = _use_cases().cancel.batch(
        caller_id(router), ids, seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    return BatchCancelResponse(results=results)


@router.get(
    "/api/workflows/executions/compare",
    summary="Compare 2..10 executions: input, output and step by step",
    responses=responses(
        200,
        "The comparison, executions in request order",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ),
)
def compare_executions(
    ids: Annotated[
        list[UUID],
        Query(
            min_length=MIN_COMPARE_IDS,
            max_length=MAX_COMPARE_IDS,
            description=f"{MIN_COMPARE_IDS}..{MAX_COMPARE_IDS} distinct execution ids, comma separated",
        ),
    ],
) -> ComparisonResponse:
    duplicates = repeated(ids)
    if duplicates:
        raise InvalidRequestError(f"ids must be distinct; repeated: {', '.join(duplicates)}")
    records, logs = _use_cases().reads.compare(caller_id(router), [str(execution_id) for execution_id in ids])
    answer = ComparisonResponse(executions=[ExecutionStatusResponse.of(r) for r in records], **compare(records, logs))
    return _within_response_limit(answer, "compare fewer executions at a time")


def _within_response_limit(answer: Answer, advice: str) -> Answer:
    """`answer`, or 413 when it could not be returned (large inputs and outputs, many of them): never a 5xx."""
    size = len(json.dumps(answer.model_dump_json()))
    if size > MAX_RESPONSE_BYTES:
        raise PayloadTooLargeError(f"The answer would be {size} bytes, over the 6 MB Lambda can return; {advice}")
    return answer


@router.get(
    "/api/workflows/executions/<execution_id>",
    summary="Get an execution's status",
    responses=responses(200, "The execution", HTTPStatus.NOT_FOUND),
)
def get_execution(execution_id: ExecutionId) -> ExecutionStatusResponse:
    return ExecutionStatusResponse.of(_use_cases().reads.get(caller_id(router), str(execution_id)))


@router.get(
    "/api/workflows/executions/<execution_id>/logs",
    summary="Step logs of an execution, oldest first",
    responses=responses(200, "One item per step attempt, oldest first", HTTPStatus.NOT_FOUND),
)
def get_execution_logs(
    execution_id: ExecutionId,
    step_type: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    step_name: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
    parent_step: ParentStep = None,
    has_error: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    q: SearchText = None,
) -> list[ExecutionLogResponse]:
    filters = LogFilter(step_type=step_type, step_name=step_name, parent_step=parent_step, has_error=has_error, q=q)
    records = _use_cases().reads.logs(caller_id(router), str(execution_id), filters, limit)
    return [ExecutionLogResponse.of(record) for record in records]


@router.post(
    "/api/workflows/executions/<execution_id>/cancel",
    summary="Cancel a pending or running execution",
    responses=responses(200, "The execution, now cancelled", HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def cancel_execution(execution_id: ExecutionId) -> ExecutionStatusResponse:
    return ExecutionStatusResponse.of(_use_cases().cancel.one(caller_id(router), str(execution_id)))


@router.post(
    "/api/workflows/executions/<execution_id>/approvals/<step_name>",
    summary="Approve or reject an approval step that is waiting",
    description=(
        "`approve` lets the step succeed with the output `{decision, comment, decided_by, decided_at}`; `reject` "
        "fails it with the error `ApprovalRejected` (its cause: the comment). 409 when that step is not waiting: "
        "already decided, timed out, not reached, or the execution ended (a cancel included). The answer is the "
        "execution, still `running` (the machine goes on by itself)."
    ),
    responses=responses(200, "The execution after the decision", HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def decide_approval(
    execution_id: ExecutionId,
    step_name: Annotated[str, Path(min_length=1, max_length=80, description="The approval step's name")],
    request: ApprovalDecisionRequest,
) -> ExecutionStatusResponse:
    record = _use_cases().decide(caller_id(router), str(execution_id), step_name, request)
    return ExecutionStatusResponse.of(record)


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
    command = RetryCommand(
        execution_id=str(execution_id),
        mode=request.mode,
        input_data=request.input_data,
        replaces_input=request.replaces_input,
    )
    result = _use_cases().retry(caller_id(router), command, idempotency_key=idempotency_key)
    return Response(202, content_types.APPLICATION_JSON, result)


@router.get(
    "/api/workflows/executions/<execution_id>/notifications",
    summary="Webhook deliveries of an execution's outcome, with every attempt",
    responses=responses(200, "One item per delivery (oldest first), each with its attempts", HTTPStatus.NOT_FOUND),
)
def get_execution_notifications(execution_id: ExecutionId) -> list[DeliveryResponse]:
    records = _use_cases().reads.notifications(caller_id(router), str(execution_id))
    return [DeliveryResponse.of(record) for record in records]
