"""Routes of the workflow API: health and workflow CRUD."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from api.errors import NEXT_TOKEN, responses
from api.identity import caller_id
from workflow_engine.data.query import MAX_OFFSET
from workflow_engine.models.workflow import (
    WorkflowDefinition,
    WorkflowResponse,
    WorkflowSavedResponse,
    WorkflowValidation,
)
from workflow_engine.workflows.service import WorkflowService

router = Router()

WorkflowId = Annotated[UUID, Path(description="Workflow id (UUID)")]


def _service() -> WorkflowService:
    return router.context["workflows"]


@router.get("/api/health", summary="Liveness (no token needed)", security=[{}])  # [{}]: no auth required
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post(
    "/api/workflows",
    summary="Create a workflow",
    responses=responses(201, "Created", HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
)
def create_workflow(definition: WorkflowDefinition) -> Response[WorkflowSavedResponse | WorkflowResponse]:
    record = _service().create(caller_id(router), definition)
    return Response(201, content_types.APPLICATION_JSON, WorkflowSavedResponse.saved(record, definition))


@router.post(
    "/api/workflows/validate",
    summary="Check a workflow definition without saving it",
    description="The same checks as creating it (the same body); nothing is stored and no state machine is made.",
    responses=responses(
        200, "The definition is valid", HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    ),
)
def validate_workflow(definition: WorkflowDefinition) -> WorkflowValidation:
    return _service().validate(caller_id(router), definition)


@router.get(
    "/api/workflows",
    summary="List your workflows",
    responses=responses(200, "Your workflows, newest first", headers=NEXT_TOKEN),
)
def list_workflows(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[list[WorkflowResponse]]:
    records, token = _service().list(caller_id(router), limit=limit, offset=offset, next_token=next_token)
    headers = {"X-Next-Token": token} if token else {}
    return Response(200, content_types.APPLICATION_JSON, [WorkflowResponse.of(r) for r in records], headers=headers)


@router.get(
    "/api/workflows/<workflow_id>",
    summary="Get a workflow",
    responses=responses(200, "The workflow", HTTPStatus.NOT_FOUND),
)
def get_workflow(workflow_id: WorkflowId) -> WorkflowResponse:
    return WorkflowResponse.of(_service().get(caller_id(router), str(workflow_id)))


@router.put(
    "/api/workflows/<workflow_id>",
    summary="Replace a workflow (publishes a new version)",
    responses=responses(
        200,
        "The workflow, with its new version",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def replace_workflow(
    workflow_id: WorkflowId, definition: WorkflowDefinition
) -> WorkflowSavedResponse | WorkflowResponse:
    record = _service().replace(caller_id(router), str(workflow_id), definition)
    return WorkflowSavedResponse.saved(record, definition)


@router.delete(
    "/api/workflows/<workflow_id>",
    summary="Delete a workflow and its state machine",
    responses=responses(204, "Deleted", HTTPStatus.NOT_FOUND),
)
def delete_workflow(workflow_id: WorkflowId) -> Response[None]:
    _service().delete(caller_id(router), str(workflow_id))
    # Powertools types the body as the documented schema's type (None: no content); the empty body it sends is a
    # str, which its Response accepts at run time (body: str | bytes | None).
    return Response(204, content_types.APPLICATION_JSON, "")  # type: ignore[arg-type]
