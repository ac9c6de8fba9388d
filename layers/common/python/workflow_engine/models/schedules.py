"""Schedules (DESIGN "Triggers: schedules"): the API's shapes, the stored record and the event a firing sends.

A schedule belongs to one workflow of one user. Its `expression` and `timezone` are validated by
models/schedule_times.py (a 422 says what is wrong); `overlap: skip` starts nothing while a run of the workflow is
pending or running. The stored record adds what the firings learnt: `last_run_at`, `last_execution_id`,
`last_skipped_at`.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflow_engine.models.schedule_times import ScheduleTimes, iso

MAX_SCHEDULES_PER_WORKFLOW = 20
MAX_SCHEDULE_INPUT_BYTES = 65_536


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


class Overlap(StrEnum):
    ALLOW = "allow"
    SKIP = "skip"


class ScheduleBody(BaseModel):
    """POST and PUT body (a PUT replaces every field)."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    expression: str = Field(
        min_length=1,
        max_length=256,
        description="rate(5 minutes) | cron(0 9 ? * MON-FRI *) (AWS's six fields) | at(2026-12-24T18:00:00)",
        examples=["cron(0 2 * * ? *)"],
    )
    timezone: str = Field(default="UTC", min_length=1, max_length=64, description="IANA zone, e.g. Europe/Paris")
    input_data: Any = Field(
        default=None, description=f"Each run's input_data (JSON, at most {MAX_SCHEDULE_INPUT_BYTES} bytes)"
    )
    enabled: bool = True
    overlap: Overlap = Field(
        default=Overlap.ALLOW, description="skip: start nothing while a run of the workflow is pending or running"
    )

    @field_validator("input_data")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        size = json_size(value)
        if size > MAX_SCHEDULE_INPUT_BYTES:
            raise ValueError(f"input_data is {size} bytes as JSON; a schedule's limit is {MAX_SCHEDULE_INPUT_BYTES}")
        return value


class ScheduleRecord(BaseModel):
    model_config = ConfigDict(defer_build=True)

    schedule_id: str
    user_id: str
    workflow_id: str
    expression: str
    timezone: str
    input_data: Any = None
    enabled: bool
    overlap: Overlap
    created_at: str
    updated_at: str
    # when the expression was last set: a rate counts its periods from here
    anchor_at: str
    last_run_at: str | None = None
    last_execution_id: str | None = None
    last_skipped_at: str | None = None


class ScheduleResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    workflow_id: str
    expression: str
    timezone: str
    input_data: Any = None
    enabled: bool
    overlap: Overlap
    next_run_at: str | None = Field(
        description="The next firing, ISO-8601 with the schedule zone's UTC offset at that instant; null when "
        "disabled or when none is left (an at() that fired)"
    )
    created_at: str
    updated_at: str
    last_run_at: str | None = None
    last_execution_id: str | None = None
    last_skipped_at: str | None = Field(default=None, description="Last firing skipped by overlap: skip")

    @classmethod
    def of(cls, record: ScheduleRecord, times: ScheduleTimes, now: datetime) -> ScheduleResponse:
        following = None
        if record.enabled:
            anchor = datetime.fromisoformat(record.anchor_at.replace("Z", "+00:00"))
            found = times.next_after(now, anchor=anchor)
            following = iso(found) if found else None
        return cls(
            id=record.schedule_id,
            workflow_id=record.workflow_id,
            expression=record.expression,
            timezone=record.timezone,
            input_data=record.input_data,
            enabled=record.enabled,
            overlap=record.overlap,
            next_run_at=following,
            created_at=record.created_at,
            updated_at=record.updated_at,
            last_run_at=record.last_run_at,
            last_execution_id=record.last_execution_id,
            last_skipped_at=record.last_skipped_at,
        )


class ScheduledFiring(BaseModel):
    """The event EventBridge Scheduler sends the scheduled-start function: the schedule's Input, its context
    attributes (`<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`) substituted."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    schedule_id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=128)
    workflow_id: str = Field(min_length=1, max_length=64)
    scheduled_time: str = Field(min_length=1, max_length=64)
    scheduler_execution_id: str | None = Field(default=None, max_length=128)


def firing_input(record: ScheduleRecord) -> dict[str, str]:
    """The Input of the Scheduler target (what `ScheduledFiring` reads back)."""
    return {
        "schedule_id": record.schedule_id,
        "user_id": record.user_id,
        "workflow_id": record.workflow_id,
        "scheduled_time": "<aws.scheduler.scheduled-time>",
        "scheduler_execution_id": "<aws.scheduler.execution-id>",
    }


class ScheduledStartOutcome(BaseModel):
    """What a firing did (the scheduled-start function's answer, stored per schedule and scheduled time)."""

    model_config = ConfigDict(defer_build=True)

    started: bool
    execution_id: str | None = None
    reason: str | None = None
