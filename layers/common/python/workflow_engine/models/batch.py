"""Batch operations on executions and their comparison: request and response shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflow_engine.models.execution import ExecutionStatus, ExecutionStatusResponse

MAX_BATCH_IDS = 100
MIN_COMPARE_IDS = 2
MAX_COMPARE_IDS = 10


def repeated(ids: list[UUID]) -> list[str]:
    """The ids that occur more than once (each named once, in order of first repetition)."""
    seen: set[UUID] = set()
    repeats: dict[UUID, None] = {}
    for identifier in ids:
        if identifier in seen:
            repeats[identifier] = None
        seen.add(identifier)
    return [str(identifier) for identifier in repeats]


class ExecutionIdsRequest(BaseModel):
    """1..100 distinct execution ids. A repeated id is refused (422) rather than answered twice: in a batch
    cancel a second occurrence could only ever report `conflict` against the first one's `cancelled`."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    execution_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_BATCH_IDS,
        json_schema_extra={"uniqueItems": True},
        description=f"1..{MAX_BATCH_IDS} distinct execution ids (UUIDs); a repeated id is refused with 422",
    )

    @field_validator("execution_ids")
    @classmethod
    def _distinct(cls, ids: list[UUID]) -> list[UUID]:
        duplicates = repeated(ids)
        if duplicates:
            raise ValueError(f"execution_ids must be distinct; repeated: {', '.join(duplicates)}")
        return ids


class BatchGetResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    executions: list[ExecutionStatusResponse] = Field(description="The executions found, in request order")
    not_found: list[UUID] = Field(description="Ids that are unknown or belong to another user, in request order")


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    ERROR = "error"


class CancelResult(BaseModel):
    model_config = ConfigDict(defer_build=True)

    execution_id: UUID
    outcome: CancelOutcome = Field(
        description="cancelled; not_found (unknown or another user's); conflict (it had already finished); "
        "error (Step Functions or DynamoDB failed even after retries: the execution was left as it was, "
        "see message; cancel it again)"
    )
    status: ExecutionStatus | None = Field(description="Its status after the call (null when not_found)")
    message: str | None = Field(default=None, description="Why, when the outcome is error (null otherwise)")


class BatchCancelResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    results: list[CancelResult] = Field(description="One result per requested id, in request order")


class DiffEntry(BaseModel):
    model_config = ConfigDict(defer_build=True)

    path: str = Field(description="JSON Pointer (RFC 6901) of a value that differs; '' is the whole document")
    values: list[Any] = Field(description="The value at `path` in each execution, in order; null where absent")


class StepRunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_RUN = "not_run"


class StepRun(BaseModel):
    model_config = ConfigDict(defer_build=True)

    execution_id: UUID
    status: StepRunStatus
    attempts: int = Field(description="Attempts logged (0 when not_run)")
    duration_ms: int | None = Field(description="Sum of the attempts' durations (null when not_run)")


class StepDifference(StrEnum):
    SAME = "same"
    STATUS = "status"
    OUTPUT = "output"


class StepComparison(BaseModel):
    model_config = ConfigDict(defer_build=True)

    step_name: str
    step_type: str
    parent_step: str | None = Field(default=None, description="The block step the step ran in; null at top level")
    iteration: int | None = Field(
        default=None, description="The map iteration this row aligns (one row per step name and iteration); else null"
    )
    per_execution: list[StepRun]
    output_equal: bool = Field(
        description="Whether the step's output is the same in every execution: its last attempt's output where it "
        "succeeded, absent where it failed or did not run (absent everywhere is equal)"
    )
    output_diff: list[DiffEntry] = Field(description="Where the outputs differ; null where absent (failed, not run)")
    difference: StepDifference = Field(
        description="How the row differs: status (it did not end the same way in every execution, e.g. failed in "
        "one, not run in another: not an output difference), output (same status everywhere, outputs differ) "
        "or same"
    )


class ComparisonResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    executions: list[ExecutionStatusResponse]
    input_diff: list[DiffEntry]
    output_diff: list[DiffEntry]
    steps: list[StepComparison] = Field(
        description="One row per step name and map iteration that logged in any execution"
    )
