"""Executions and their logs: stored records and the API's response shapes (the seed's schemas)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Re-exported: the lifecycle defines the statuses.
from workflow_engine.models.approvals import REJECTED, ApprovalWait, WaitingFor, waiting_for
from workflow_engine.models.lifecycle import ExecutionStatus as ExecutionStatus
from workflow_engine.models.run_trigger import RunTrigger, TriggerType, stored_trigger
from workflow_engine.models.step_errors import STEP_ERROR_NAMES


class RetryMode(StrEnum):
    RESTART = "restart"  # the whole workflow again, on its current version
    RESUME = "resume"  # the version the original ran, from the step where it stopped, earlier results reused


# Error names of the step Lambdas (workflow_engine.models.step_errors): their messages already say it all.
STEP_ERRORS = STEP_ERROR_NAMES
# The error code of an execution Step Functions never started (the start failed, or it has no record of it).
START_FAILED = "StartExecutionFailed"
# Error names the engine itself records, whose causes are written for users.
# (An approval's rejection, ApprovalRejected, carries the decider's comment as its cause.)
# A workflow step's own failures (asl.child): its child workflow is gone, or nesting would pass the depth limit.
CHILD_WORKFLOW_NOT_FOUND = "WorkflowNotFound"
CHILD_DEPTH_EXCEEDED = "WorkflowDepthExceeded"
ENGINE_ERRORS = (START_FAILED, "WorkflowFailed", REJECTED, CHILD_WORKFLOW_NOT_FOUND, CHILD_DEPTH_EXCEEDED)


def is_internal_error(error: str | None) -> bool:
    """A step Lambda's own unhandled exception (`KeyError`, `ClientError`...), as opposed to a StepFailed or a
    Step Functions (`States.*`) or service (`Lambda.*`) error. Its message is internal: never shown."""
    if not error:
        return False
    return "." not in error and error not in STEP_ERRORS + ENGINE_ERRORS


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
    message = document.get("errorMessage")
    if isinstance(message, str):
        return message
    if "ExecutionArn" in document and "Name" in document:  # a failed child's DescribeExecution (asl.child)
        ended = str(document.get("Status") or "").lower() or "ended"
        return f"child execution {document['Name']} {ended}" + (
            f" ({document['Error']})" if document.get("Error") else ""
        )
    if "Error" in document:  # the state machine records the caught {"Error", "Cause"} document whole
        inner = document.get("Cause")
        return cause_text(inner) if isinstance(inner, str) else ""
    return cause


class ExecutionRecord(BaseModel):
    """An execution as stored in the executions table (JSON documents are decoded)."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="ignore", defer_build=True)

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
    retry_of: str | None = None  # the execution this one retries (POST .../retry)
    # The approval steps waiting for a decision, by step name, as stored (data.approvals) less their tokens:
    # the token is never read into a record, so no response built from one can carry it.
    approvals: dict[str, ApprovalWait] = Field(default_factory=dict)
    parent_execution_id: str | None = None  # the execution whose workflow step started this one (asl.child)
    # Whether it may start children (its workflow has a workflow step): only then does a cancel look for them.
    runs_children: bool = False
    # What started it (models.run_trigger), stored flat so that a list can filter on `trigger_type`.
    trigger_type: TriggerType = TriggerType.API
    trigger_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _trigger_of_older_items(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("trigger_type"):
            trigger = stored_trigger(values)
            values = {**values, "trigger_type": trigger.type, "trigger_id": trigger.id}
        return values

    @property
    def trigger(self) -> RunTrigger:
        return RunTrigger(type=self.trigger_type, id=self.trigger_id)

    @property
    def error_message(self) -> str | None:
        return readable_error(self.error_code, self.error_cause)


class ExecuteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    input_data: dict[str, Any] | None = None


class RetryRequest(BaseModel):
    """`input_data`, when present (even null), replaces the input; absent, the original's input is used."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    mode: RetryMode
    input_data: dict[str, Any] | None = None

    @property
    def replaces_input(self) -> bool:
        return "input_data" in self.model_fields_set


class ExecutionResultResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

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


class RetryResponse(ExecutionResultResponse):
    """The new execution a retry started: the execute answer plus the id of the execution it retries."""

    retry_of: UUID

    @classmethod
    def of(cls, record: ExecutionRecord) -> RetryResponse:
        return cls(**ExecutionResultResponse.of(record).model_dump(), retry_of=record.retry_of)


# The answer to an inbound webhook (triggers.inbound): here, not in models.triggers, so that the workflow API's
# trigger routes do not load the execution models on its cold start.
class WebhookAccepted(ExecutionResultResponse):
    """The execution an inbound call started, or (`replayed`) the one its delivery id started before."""

    replayed: bool = False


class ExecutionStatusResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: UUID
    workflow_id: UUID
    workflow_version: int | None = None  # the workflow version this execution ran
    status: ExecutionStatus
    input_data: Any = None
    output_data: Any = None
    error_message: str | None = None
    started_at: datetime
    completed_at: datetime | None = None
    retry_of: UUID | None = None
    waiting_for: list[WaitingFor] = Field(
        default_factory=list,
        description="The approval steps waiting for a decision (status stays running); empty otherwise",
    )
    parent_execution_id: UUID | None = None  # set on a child execution (a workflow step's)
    trigger: RunTrigger = Field(
        description="What started it: api, schedule (id: the schedule), webhook (id: the trigger), retry (id: the "
        "original execution) or workflow (id: the parent execution)"
    )

    @classmethod
    def of(cls, record: ExecutionRecord, now: str | None = None) -> ExecutionStatusResponse:
        return cls(
            id=record.execution_id,
            workflow_id=record.workflow_id,
            workflow_version=record.workflow_version,
            status=record.status,
            input_data=record.input_data,
            output_data=record.output_data,
            error_message=record.error_message,
            started_at=record.started_at,
            completed_at=record.completed_at,
            retry_of=record.retry_of,
            waiting_for=waiting_for(record.approvals, now or _utc_now()) if record.status.is_active else [],
            parent_execution_id=record.parent_execution_id,
            trigger=record.trigger,
        )


def _utc_now() -> str:
    """Now, as the engine writes timestamps (platform.clock.utc_now, which models may not import)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LogRecord(BaseModel):
    """One attempt of one step, as the step function writes it."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    id: str
    execution_id: str
    user_id: str
    workflow_id: str
    step_name: str
    step_type: str
    # Where the step ran: the enclosing block step's name and the map iteration's index (null at top level,
    # and in items written before steps knew it).
    parent_step: str | None = None
    iteration: int | None = None
    attempt: int = Field(ge=1)
    input_data: Any = None
    output_data: Any = None
    input_truncated: bool = False
    output_truncated: bool = False
    duration_ms: int | None = None
    error_message: str | None = None
    timestamp: str
    # A step a resumed execution did not run: its result was reused from this log item of an earlier execution.
    reused_from_execution_id: str | None = None
    reused_from_log_id: str | None = None


class ReusedFrom(BaseModel):
    """The attempt whose recorded result a resumed execution reused instead of running the step again."""

    model_config = ConfigDict(defer_build=True)

    execution_id: UUID
    log_id: UUID


class ExecutionLogResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: UUID
    step_name: str
    step_type: str
    parent_step: str | None = Field(
        default=None, description="The name of the block step (choice, parallel, map) it ran in; null at top level"
    )
    iteration: int | None = Field(
        default=None, description="The index of the map iteration the step ran in (the innermost map's); else null"
    )
    attempt: int
    input_data: Any = None
    output_data: Any = None
    duration_ms: int | None = None
    error_message: str | None = None
    timestamp: datetime
    reused: bool = False
    reused_from: ReusedFrom | None = None

    @classmethod
    def of(cls, record: LogRecord) -> Self:
        values = record.model_dump()
        if record.reused_from_execution_id and record.reused_from_log_id:
            values["reused"] = True
            values["reused_from"] = {
                "execution_id": record.reused_from_execution_id,
                "log_id": record.reused_from_log_id,
            }
        return cls.model_validate(values)


class LogSearchResponse(ExecutionLogResponse):
    """A log of the search across executions (GET /api/logs): the log object plus where it comes from."""

    execution_id: UUID
    workflow_id: UUID
