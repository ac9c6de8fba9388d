"""Routes of a workflow's schedules (DESIGN "Triggers: schedules"): create, list, read, replace, delete."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from api.errors import responses
from api.identity import caller_id
from workflow_engine.models.schedules import ScheduleBody, ScheduleResponse
from workflow_engine.schedules.service import ScheduleService

router = Router()

WorkflowId = Annotated[UUID, Path(description="Workflow id (UUID)")]
ScheduleId = Annotated[UUID, Path(description="Schedule id (UUID)")]
RULES = (
    "`expression`: rate(N minute|minutes|hour|hours|day|days) with N >= 1, cron(minutes hours day-of-month month "
    "day-of-week year) in AWS's six-field form (exactly one of day-of-month and day-of-week is `?`), or "
    "at(yyyy-mm-ddThh:mm:ss) in the future; `timezone`: an IANA name (default UTC). Anything else is a 422 that "
    "says what is wrong. Fires through EventBridge Scheduler: at most one run per scheduled time; "
    "`overlap: skip` starts nothing while a run of the workflow is pending or running (`last_skipped_at`)."
)


def _service() -> ScheduleService:
    return router.context["schedules"]


@router.post(
    "/api/workflows/<workflow_id>/schedules",
    summary="Add a schedule to one of your workflows",
    description=RULES,
    responses=responses(201, "Created", HTTPStatus.NOT_FOUND, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
)
def create_schedule(workflow_id: WorkflowId, body: ScheduleBody) -> Response[ScheduleResponse]:
    created = _service().create(caller_id(router), str(workflow_id), body)
    return Response(201, content_types.APPLICATION_JSON, created)


@router.get(
    "/api/workflows/<workflow_id>/schedules",
    summary="List a workflow's schedules, oldest first, with their next run",
    responses=responses(200, "The workflow's schedules", HTTPStatus.NOT_FOUND),
)
def list_schedules(workflow_id: WorkflowId) -> list[ScheduleResponse]:
    return _service().list(caller_id(router), str(workflow_id))


@router.get(
    "/api/workflows/<workflow_id>/schedules/<schedule_id>",
    summary="Get a schedule",
    responses=responses(200, "The schedule", HTTPStatus.NOT_FOUND),
)
def get_schedule(workflow_id: WorkflowId, schedule_id: ScheduleId) -> ScheduleResponse:
    return _service().get(caller_id(router), str(workflow_id), str(schedule_id))


@router.put(
    "/api/workflows/<workflow_id>/schedules/<schedule_id>",
    summary="Replace a schedule (pause it with enabled: false)",
    description=RULES,
    responses=responses(
        200, "The schedule", HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    ),
)
def replace_schedule(workflow_id: WorkflowId, schedule_id: ScheduleId, body: ScheduleBody) -> ScheduleResponse:
    return _service().replace(caller_id(router), str(workflow_id), str(schedule_id), body)


@router.delete(
    "/api/workflows/<workflow_id>/schedules/<schedule_id>",
    summary="Delete a schedule (from EventBridge Scheduler too)",
    responses=responses(204, "Deleted", HTTPStatus.NOT_FOUND),
)
def delete_schedule(workflow_id: WorkflowId, schedule_id: ScheduleId) -> Response[None]:
    _service().delete(caller_id(router), str(workflow_id), str(schedule_id))
    # Powertools types the body as the documented schema's type (None: no content); the empty body it sends is a
    # str, which its Response accepts at run time (body: str | bytes | None).
    return Response(204, content_types.APPLICATION_JSON, "")  # type: ignore[arg-type]
