"""The schedules API's use cases: create, list, read, replace and delete one workflow's schedules.

Each schedule is a DynamoDB item (what the API reads, and what a firing checks before it starts anything) and an
EventBridge Scheduler schedule (what fires). They are kept consistent by the order of the writes:
- create: CreateSchedule, then PutItem; a failed PutItem deletes the schedule again. A schedule that fires before
  its item exists (or after an undo that failed) starts nothing: the firing finds no item.
- replace: UpdateSchedule, then the conditional PutItem; a failed PutItem puts the previous schedule back.
- delete: DeleteSchedule (one already gone is fine), then DeleteItem; a failed DeleteItem leaves an item whose
  schedule is gone, and the same DELETE may be sent again.
A failed AWS call is a 503 (`ServiceUnavailableError`) that names the step, and the caller may retry.
A firing decides with the item, never with Scheduler's state: a disabled or deleted item starts nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from workflow_engine.data.scheduler import ScheduleGroup, SchedulerError, SchedulerGateway
from workflow_engine.data.schedules import ScheduleRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    ServiceUnavailableError,
    WorkflowNotFound,
)
from workflow_engine.models.schedule_times import ScheduleExpressionError, ScheduleTimes, parse_schedule
from workflow_engine.models.schedules import (
    MAX_SCHEDULES_PER_WORKFLOW,
    ScheduleBody,
    ScheduleRecord,
    ScheduleResponse,
)
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import logger

T = TypeVar("T")


class ScheduleNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Schedule not found")


class ScheduleRejected(InvalidRequestError):
    """An expression, zone or count EventBridge Scheduler (or our cap) would refuse."""


def times_of(body: ScheduleBody | ScheduleRecord, now: datetime | None = None) -> ScheduleTimes:
    try:
        return parse_schedule(body.expression, body.timezone, now=now)
    except ScheduleExpressionError as error:
        raise ScheduleRejected(str(error)) from None


def respond(record: ScheduleRecord, now: datetime | None = None) -> ScheduleResponse:
    return ScheduleResponse.of(record, times_of(record), now or datetime.now(UTC))


class ScheduleService:
    def __init__(
        self, schedules: ScheduleRepository, scheduler: SchedulerGateway, workflows: WorkflowRepository
    ) -> None:
        self._schedules = schedules
        self._scheduler = scheduler
        self._workflows = workflows

    def create(self, user_id: str, workflow_id: str, body: ScheduleBody) -> ScheduleResponse:
        now = datetime.now(UTC)
        times_of(body, now)
        self._workflow(user_id, workflow_id)
        existing = table_call("list the schedules", lambda: self._schedules.list(user_id, workflow_id))
        if len(existing) >= MAX_SCHEDULES_PER_WORKFLOW:
            raise ScheduleRejected(f"a workflow has at most {MAX_SCHEDULES_PER_WORKFLOW} schedules")
        stamp = utc_now()
        record = ScheduleRecord(
            schedule_id=str(uuid.uuid4()),
            user_id=user_id,
            workflow_id=workflow_id,
            created_at=stamp,
            updated_at=stamp,
            anchor_at=stamp,
            **body.model_dump(),
        )
        scheduler_call("create", lambda: self._scheduler.put(record, create=True))
        try:
            self._schedules.put(record)
        except AWS_ERRORS as error:
            self._undo(lambda: self._scheduler.delete(record.schedule_id), record)
            raise ServiceUnavailableError(f"could not store the schedule ({error_code(error)}); retry") from None
        return respond(record, now)

    def list(self, user_id: str, workflow_id: str) -> list[ScheduleResponse]:
        self._workflow(user_id, workflow_id)
        now = datetime.now(UTC)
        records = table_call("list the schedules", lambda: self._schedules.list(user_id, workflow_id))
        return [respond(record, now) for record in records]

    def get(self, user_id: str, workflow_id: str, schedule_id: str) -> ScheduleResponse:
        return respond(self._record(user_id, workflow_id, schedule_id))

    def replace(self, user_id: str, workflow_id: str, schedule_id: str, body: ScheduleBody) -> ScheduleResponse:
        now = datetime.now(UTC)
        times_of(body, now)
        current = self._record(user_id, workflow_id, schedule_id)
        stamp = utc_now()
        moved = (body.expression, body.timezone) != (current.expression, current.timezone)
        record = current.model_copy(
            update={**body.model_dump(), "updated_at": stamp, "anchor_at": stamp if moved else current.anchor_at}
        )
        scheduler_call("update", lambda: self._scheduler.put(record, create=False))
        try:
            stored = self._schedules.put(record, expected_updated_at=current.updated_at)
        except AWS_ERRORS as error:
            self._undo(lambda: self._scheduler.put(current, create=False), current)
            raise ServiceUnavailableError(f"could not store the schedule ({error_code(error)}); retry") from None
        if not stored:  # another request replaced or deleted it meanwhile: its Scheduler write wins or it is gone
            self._undo(lambda: self._scheduler.put(current, create=False), current)
            raise ConflictError("the schedule was changed by another request; read it again and retry")
        return respond(record, now)

    def delete(self, user_id: str, workflow_id: str, schedule_id: str) -> None:
        remove(self._schedules, self._scheduler, self._record(user_id, workflow_id, schedule_id))

    def _workflow(self, user_id: str, workflow_id: str) -> None:
        if table_call("read the workflow", lambda: self._workflows.get(user_id, workflow_id)) is None:
            raise WorkflowNotFound()

    def _record(self, user_id: str, workflow_id: str, schedule_id: str) -> ScheduleRecord:
        self._workflow(user_id, workflow_id)
        record = table_call("read the schedule", lambda: self._schedules.get(user_id, workflow_id, schedule_id))
        if record is None:
            raise ScheduleNotFound()
        return record

    @staticmethod
    def _undo(call: Callable[[], None], record: ScheduleRecord) -> None:
        try:
            call()
        except SchedulerError as error:  # the item decides what a firing does: a stray schedule starts nothing
            logger.error(
                "Could not undo an EventBridge Scheduler write", schedule_id=record.schedule_id, error_code=error.code
            )


def delete_workflow_schedules(
    schedules: ScheduleRepository, group: ScheduleGroup, user_id: str, workflow_id: str
) -> None:
    """Every schedule of a workflow that is being deleted (the workflow API's api.workflow_dependents calls this
    before it deletes the workflow)."""
    for record in table_call("list the schedules", lambda: schedules.list(user_id, workflow_id)):
        remove(schedules, group, record)


def remove(schedules: ScheduleRepository, group: ScheduleGroup, record: ScheduleRecord) -> None:
    """DeleteSchedule (one already gone is fine), then DeleteItem."""
    scheduler_call("delete", lambda: group.delete(record.schedule_id))
    table_call("delete the schedule", lambda: schedules.delete(record.user_id, record.workflow_id, record.schedule_id))


def scheduler_call(action: str, call: Callable[[], None]) -> None:
    try:
        call()
    except SchedulerError as error:
        logger.warning("EventBridge Scheduler call failed", action=action, error_code=error.code)
        if error.code == "ValidationException":
            raise ScheduleRejected(f"EventBridge Scheduler refused the schedule ({error.code})") from None
        raise ServiceUnavailableError(
            f"could not {action} the schedule in EventBridge Scheduler ({error.code}); nothing changed, retry"
        ) from None


def table_call(action: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except AWS_ERRORS as error:
        logger.warning("schedules call failed", action=action, error_code=error_code(error))
        raise ServiceUnavailableError(f"could not {action}; retry later") from None
