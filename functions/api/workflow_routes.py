"""Routes of the workflow API: health, workflow CRUD, and the editor's helpers (read YAML or JSON text, try an
expression)."""

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
from workflow_engine.models.editor import (
    DefinitionText,
    ExpressionResult,
    ExpressionTrial,
    ParsedDefinition,
    PathLine,
)
from workflow_engine.models.workflow import (
    WorkflowDefinition,
    WorkflowResponse,
    WorkflowSavedResponse,
    WorkflowValidation,
)
from workflow_engine.workflows.documents import DocumentRejected, parse_document
from workflow_engine.workflows.expression_trial import try_expression
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


@router.post(
    "/api/workflows/parse",
    summary="Read a workflow definition written as YAML or JSON",
    description=(
        "The text is read as `wfe` reads a workflow file (PyYAML's safe_load; JSON text as JSON) and answered as "
        "the JSON definition the other routes take, with the line of each of its paths; nothing is checked "
        "beyond that (POST /api/workflows/validate does) and nothing is stored. Text that is not YAML, or not "
        "a mapping JSON can carry, is a 422 whose detail item gives the line and column."
    ),
    responses=responses(
        200, "The definition the text spells", HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    ),
)
def parse_workflow(body: DefinitionText) -> ParsedDefinition:
    parsed = parse_document(body.text)
    lines = [PathLine(path=list(path), line=line) for path, line in parsed.lines.items()]
    return ParsedDefinition(definition=parsed.value, format=parsed.format, lines=lines)


@router.exception_handler(DocumentRejected)
def _document_rejected(error: DocumentRejected) -> Response:
    """A 422 shaped as request validation's: one item at the text, with the line and column when known."""
    position = {"line": error.line, "column": error.column}
    item = {"loc": ["body", "text"], "msg": error.reason, "type": "value_error", "message": str(error)}
    detail = [{**item, **{key: value for key, value in position.items() if value is not None}}]
    return Response(422, content_types.APPLICATION_JSON, {"message": str(error), "detail": detail})


@router.post(
    "/api/expressions/evaluate",
    summary="Try a JMESPath expression on sample data",
    description=(
        "Evaluates the expression as a transform step would, with the engine's own evaluator and its budgets; "
        "a 422 says why a step would fail (invalid JMESPath, too complex, too expensive, a function given the "
        "wrong type). Nothing is stored or run."
    ),
    responses=responses(
        200,
        "What the expression selects or builds",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def evaluate_expression(trial: ExpressionTrial) -> ExpressionResult:
    return ExpressionResult(result=try_expression(trial.expression, trial.input))


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
