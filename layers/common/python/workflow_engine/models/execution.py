"""Executions and their logs: stored records and the API's response shapes (the seed's schemas)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def is_terminal(self) -> bool:
        return self not in (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)


ACTIVE_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)

# Step Functions execution status -> ours.
SFN_STATUS = {
    "RUNNING": ExecutionStatus.RUNNING,
    "PENDING_REDRIVE": ExecutionStatus.RUNNING,
    "SUCCEEDED": ExecutionStatus.COMPLETED,
    "FAILED": ExecutionStatus.FAILED,
    "TIMED_OUT": ExecutionStatus.TIMED_OUT,
    "ABORTED": ExecutionStatus.CANCELLED,
}


# Error names of the step Lambdas (workflow_engine.step_runtime): their messages already say it all.
STEP_ERRORS = ("StepFailed", "StepRetryable", "UnsafeTarget")
# Error names the engine itself records, whose causes are written for users.
ENGINE_ERRORS = ("StartExecutionFailed", "WorkflowFailed")


def is_internal_error(error: str | None) -> bool:
    """A step Lambda's own unhandled exception (`KeyError`, `ClientError`...), as opposed to a StepError or a
    Step Functions (`States.*`) or service (`Lambda.*`) error. Its message is internal: never shown."""
    return bool(error) and "." not in error and error not in STEP_ERRORS + ENGINE_ERRORS


def readable_error(error: str | None, cause: str | None) -> str | None:
    """Turn a Step Functions (error, cause) pair into one sentence a user can read.

    A Lambda step's cause is the JSON error document of the function ({"errorMessage": ...}); a service
    error's cause is free text; a timeout may have none.
    """
    if not error and not cause:
        return None
    if error and is_internal_error(error):  # the step log says which step; its message may hold internals
        return f"A step failed with an internal error ({error}); the step logs show which one"
    message = cause_text(cause or "")
    if error == "States.Timeout":
        return f"A step exceeded its timeout_seconds{': ' + message if message else ''}"
    if error and not message:
        return error
    return message if not error or error in STEP_ERRORS else f"{error}: {message}"


def cause_text(cause: str) -> str:
    """The readable part of a cause: a Lambda error document's errorMessage, or a Catch document's Cause."""
    if not cause.startswith("{"):
        return cause
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    if not isinstance(document, dict):
        return cause
    if isinstance(document.get("errorMessage"), str):
        return document["errorMessage"]
    if "Error" in document:  # the state machine records the caught {"Error", "Cause"} document whole
        inner = document.get("Cause")
        return cause_text(inner) if isinstance(inner, str) else ""
    return cause


class ExecutionRecord(BaseModel):
    """An execution as stored in the executions table (JSON documents are decoded)."""

    model_config = ConfigDict(extra="ignore")

    execution_id: str
    user_id: str
    workflow_id: str
    workflow_version: int
    state_machine_arn: str
    state_machine_version_arn: str | None = None
    status: ExecutionStatus
    input_data: Any = None
    output_data: Any = None
    error_code: str | None = None
    error_cause: str | None = None
    started_at: str
    updated_at: str
    completed_at: str | None = None

    @property
    def error_message(self) -> str | None:
        return readable_error(self.error_code, self.error_cause)


class ExecuteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_data: dict[str, Any] | None = None


class ExecutionResultResponse(BaseModel):
    execution_id: UUID
    status: ExecutionStatus
    output_data: Any = None
    error_message: str | None = None

    @classmethod
    def of(cls, record: ExecutionRecord) -> ExecutionResultResponse:
        return cls(
            execution_id=record.execution_id,
            status=record.status,
            output_data=record.output_data,
            error_message=record.error_message,
        )


class ExecutionStatusResponse(BaseModel):
    id: UUID
    workflow_id: UUID
    status: ExecutionStatus
    input_data: Any = None
    output_data: Any = None
    error_message: str | None = None
    started_at: datetime
    completed_at: datetime | None = None

    @classmethod
    def of(cls, record: ExecutionRecord) -> ExecutionStatusResponse:
        return cls(
            id=record.execution_id,
            workflow_id=record.workflow_id,
            status=record.status,
            input_data=record.input_data,
            output_data=record.output_data,
            error_message=record.error_message,
            started_at=record.started_at,
            completed_at=record.completed_at,
        )


class LogRecord(BaseModel):
    """One attempt of one step, as the step function writes it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    execution_id: str
    user_id: str
    workflow_id: str
    step_name: str
    step_type: str
    attempt: int = Field(ge=1)
    input_data: Any = None
    output_data: Any = None
    input_truncated: bool = False
    output_truncated: bool = False
    duration_ms: int | None = None
    error_message: str | None = None
    timestamp: str


class ExecutionLogResponse(BaseModel):
    id: UUID
    step_name: str
    step_type: str
    attempt: int
    input_data: Any = None
    output_data: Any = None
    duration_ms: int | None = None
    error_message: str | None = None
    timestamp: datetime

    @classmethod
    def of(cls, record: LogRecord) -> ExecutionLogResponse:
        return cls.model_validate(record.model_dump())


class LogSearchResponse(ExecutionLogResponse):
    """A log of the search across executions (GET /api/logs): the log object plus where it comes from."""

    execution_id: UUID
    workflow_id: UUID

    @classmethod
    def of(cls, record: LogRecord) -> LogSearchResponse:
        return cls.model_validate(record.model_dump())
