"""Approval steps: a person decides (DESIGN "People and other workflows").

An `approval` step waits on a Step Functions task token (asl.approval). The token is stored on the execution item,
in its `approvals` map keyed by step name (data.approvals), and never leaves the data layer: the models here hold
what the API may show (`WaitingFor`) and what a decision sends (`ApprovalDecisionRequest`, `ApprovalOutput`).

Rules:
- an approval may stand at top level and inside a choice or a parallel, never inside a map (one stored wait per
  step name: a map's iterations would share it); models.workflow_rules refuses it with a 422;
- its wait is bounded by `config.timeout_seconds` (the step's own `timeout_seconds` is refused: it would say the
  same thing twice); the timeout is the error `States.Timeout`, handled by `retry` and `continue_on_error` as any
  step's error;
- `reject` fails the step with the error `ApprovalRejected` (its cause: the comment, or REJECTED_CAUSE).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflow_engine.models.config_base import Strict, check_placeholders

DEFAULT_TIMEOUT_SECONDS = 86_400
MIN_TIMEOUT_SECONDS = 60
MAX_TIMEOUT_SECONDS = 31_536_000  # a year: Step Functions' longest execution
MAX_MESSAGE = 4_096
MAX_COMMENT = 2_000
REJECTED = "ApprovalRejected"  # the error a reject fails the step with (Retry/Catch match it)
REJECTED_CAUSE = "Rejected without a comment"


class ApprovalConfig(Strict):
    """`message` (placeholders allowed, rendered when the step starts waiting) and how long to wait."""

    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    timeout_seconds: int = Field(default=DEFAULT_TIMEOUT_SECONDS, ge=MIN_TIMEOUT_SECONDS, le=MAX_TIMEOUT_SECONDS)

    _valid = field_validator("message")(classmethod(lambda cls, v: check_placeholders(v)))


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ApprovalDecisionRequest(BaseModel):
    """The body of POST /api/workflows/executions/{id}/approvals/{step_name}."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    decision: Decision
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class ApprovalOutput(BaseModel):
    """An approved step's output (what later steps read as `steps.<name>.output`)."""

    model_config = ConfigDict(defer_build=True)

    decision: Decision
    comment: str | None = None
    decided_by: str
    decided_at: str


class ApprovalWait(BaseModel):
    """A stored wait as the API may read it: everything but the token (`extra="ignore"` drops it)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    message: str
    since: str
    expires_at: str
    attempt: int = 1
    parent_step: str | None = None

    def waiting_at(self, now: str) -> bool:
        """Still waiting at `now` (ISO-8601 UTC): a wait past its timeout is not shown, whatever is stored."""
        return self.expires_at > now


class WaitingFor(BaseModel):
    """One step waiting for a person, on the status object's `waiting_for`."""

    model_config = ConfigDict(defer_build=True)

    step_name: str
    message: str
    since: datetime


def waiting_for(approvals: dict[str, ApprovalWait], now: str) -> list[WaitingFor]:
    """The status object's `waiting_for`: the stored waits not past their timeout, oldest first."""
    waits = sorted((wait.since, name, wait) for name, wait in approvals.items() if wait.waiting_at(now))
    return [WaitingFor(step_name=name, message=wait.message, since=wait.since) for _, name, wait in waits]


def approval_output(decision: Decision, comment: str | None, decided_by: str, decided_at: str) -> dict[str, Any]:
    return ApprovalOutput(decision=decision, comment=comment, decided_by=decided_by, decided_at=decided_at).model_dump(
        mode="json"
    )
