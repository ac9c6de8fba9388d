"""An execution's lifecycle, defined once: its statuses, which are active and which terminal, and the moves
between them.

Every status write is conditional on the stored status being one the move is allowed from
(`allowed_from(to_status)`): the repository's transitions (workflow_engine.data.executions) and the state
machine's own writes (workflow_engine.asl.compiler) read their conditions here, so a late writer can never move an
execution out of a terminal status. Adding a status means adding it to the enum, to ACTIVE or TERMINAL, and to
TRANSITIONS; tests/unit/test_lifecycle.py fails until all three agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_active(self) -> bool:
        return self in ACTIVE


# Written, not yet finished: Step Functions may still move it.
ACTIVE: frozenset[ExecutionStatus] = frozenset({ExecutionStatus.PENDING, ExecutionStatus.RUNNING})
# Finished: never changes again.
TERMINAL: frozenset[ExecutionStatus] = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED, ExecutionStatus.TIMED_OUT}
)
# Finished without completing: POST .../retry may run it again as a new execution.
RETRYABLE: frozenset[ExecutionStatus] = frozenset(
    {ExecutionStatus.FAILED, ExecutionStatus.CANCELLED, ExecutionStatus.TIMED_OUT}
)

# from -> the statuses it may move to. An execution completes only from `running`: the state machine records its
# success conditional on `running`, and marks it `running` (conditional on `pending`) before its first step.
# It may fail, time out or be cancelled before it ever ran (a failed start, a cancel before the first step).
TRANSITIONS: Mapping[ExecutionStatus, frozenset[ExecutionStatus]] = {
    ExecutionStatus.PENDING: frozenset(
        {ExecutionStatus.RUNNING, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED, ExecutionStatus.TIMED_OUT}
    ),
    ExecutionStatus.RUNNING: frozenset(
        {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED, ExecutionStatus.TIMED_OUT}
    ),
    **{status: frozenset() for status in TERMINAL},
}


def allowed_from(to_status: ExecutionStatus) -> tuple[ExecutionStatus, ...]:
    """The statuses an execution may move to `to_status` from, in declaration order (so a condition built from
    them, and the ASL that embeds it, is the same on every run)."""
    return tuple(status for status in ExecutionStatus if to_status in TRANSITIONS[status])


def user_status_key(user_id: str, status: ExecutionStatus) -> str:
    """The executions table's `user_status` attribute: the partition key of its user+status index."""
    return f"{user_id}#{status.value}"
