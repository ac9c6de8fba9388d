"""Routes of a workflow's inbound webhook triggers: create (the secret answered once), list, get, delete.

Served by the trigger API's function (api.triggers). The calls themselves go to POST /api/hooks/{trigger_id}
(api.webhooks).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from api.errors import responses
from api.identity import caller_id
from api.origin import api_origin
from workflow_engine.models.triggers import TriggerCreated, TriggerSummary
from workflow_engine.triggers.manage import TriggerService

router = Router()

WorkflowId = Annotated[UUID, Path(description="Workflow id (UUID)")]
TriggerId = Annotated[UUID, Path(description="Trigger id (UUID)")]


def _service() -> TriggerService:
    return router.context["triggers"]


@router.post(
    "/api/workflows/<workflow_id>/triggers",
    summary="Add an inbound webhook trigger to a workflow: its URL and secret (shown this once)",
    description=(
        "POST signed JSON to `url` to start the workflow with the body as input_data (README 'Inbound webhooks'). "
        "The secret is never answered again; a workflow holds at most 10 triggers (409 past that)."
    ),
    responses=responses(201, "Created: keep the secret now", HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def create_trigger(workflow_id: WorkflowId) -> Response[TriggerCreated]:
    created = _service().create(caller_id(router), str(workflow_id), api_origin(router))
    return Response(201, content_types.APPLICATION_JSON, created)


@router.get(
    "/api/workflows/<workflow_id>/triggers",
    summary="List a workflow's inbound webhook triggers (never their secrets)",
    responses=responses(200, "The workflow's triggers, oldest first", HTTPStatus.NOT_FOUND),
)
def list_triggers(workflow_id: WorkflowId) -> list[TriggerSummary]:
    return _service().list(caller_id(router), str(workflow_id), api_origin(router))


@router.get(
    "/api/workflows/<workflow_id>/triggers/<trigger_id>",
    summary="Get one of a workflow's inbound webhook triggers (never its secret)",
    responses=responses(200, "The trigger", HTTPStatus.NOT_FOUND),
)
def get_trigger(workflow_id: WorkflowId, trigger_id: TriggerId) -> TriggerSummary:
    return _service().get(caller_id(router), str(workflow_id), str(trigger_id), api_origin(router))


@router.delete(
    "/api/workflows/<workflow_id>/triggers/<trigger_id>",
    summary="Delete an inbound webhook trigger: its URL answers 404 from now on",
    responses={**responses(204, "Deleted", HTTPStatus.NOT_FOUND), 204: {"description": "Deleted", "content": {}}},
)
def delete_trigger(workflow_id: WorkflowId, trigger_id: TriggerId) -> Response[None]:
    _service().delete(caller_id(router), str(workflow_id), str(trigger_id))
    return Response(204, content_types.APPLICATION_JSON, "")  # type: ignore[arg-type]
