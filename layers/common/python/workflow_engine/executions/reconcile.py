"""Recording Step Functions' outcomes on the executions table: the reconciler's status-change events, and the
reads' read-repair of a stale execution.

Step Functions is the source of truth; a missed status write (the machine's own, or a cancel's) is repaired here.
Only outcomes are recorded: a terminal status never changes, and `running` is the machine's own first write.
"""

from __future__ import annotations

import json
from typing import Any

from workflow_engine.asl.state_document import final_output
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.sfn_gateway import (
    ExecutionDoesNotExist,
    ExecutionGateway,
    StepFunctionsError,
    execution_arn,
    status_of,
)
from workflow_engine.models.execution import START_FAILED, ExecutionRecord
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.platform.clock import age_seconds, utc_now


def outcome_fields(status: ExecutionStatus, output: str | None, error: str | None, cause: str | None) -> dict[str, Any]:
    """What a terminal Step Functions outcome records on the execution item."""
    if status is ExecutionStatus.COMPLETED:
        document = json.loads(output) if output else {}
        return {"output_data": final_output(document) if isinstance(document, dict) else None}
    if status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT):
        return {"error_code": error or status.value, "error_cause": cause or ""}
    return {}


def record_outcome(
    executions: ExecutionRepository,
    record: ExecutionRecord,
    sfn_status: str,
    output: str | None,
    error: str | None,
    cause: str | None,
) -> ExecutionRecord:
    """Record a Step Functions outcome on the execution item, if the item is not terminal yet."""
    status = status_of(sfn_status)
    # `running` is the machine's own first write ("$mark running", conditional on `pending`): recording it
    # here first would make that write fail and end the execution as failed. Only outcomes are repaired.
    if status is None or not status.is_terminal or record.status.is_terminal:
        return record
    _, stored = executions.transition(record, status, utc_now(), **outcome_fields(status, output, error, cause))
    return stored


def reconcile(
    executions: ExecutionRepository,
    execution_id: str,
    sfn_status: str,
    output: str | None,
    error: str | None,
    cause: str | None,
) -> ExecutionRecord | None:
    """Apply a Step Functions status-change event (the reconciler's entry point)."""
    record = executions.get(execution_id)
    if record is None:
        return None
    return record_outcome(executions, record, sfn_status, output, error, cause)


class StaleRepair:
    """Read-repair: an active execution not updated for `stale_after_seconds` is refreshed from Step Functions."""

    def __init__(self, executions: ExecutionRepository, gateway: ExecutionGateway, stale_after_seconds: int) -> None:
        self._executions = executions
        self._gateway = gateway
        self._stale_after = stale_after_seconds

    def is_stale(self, record: ExecutionRecord) -> bool:
        return record.status.is_active and age_seconds(record.updated_at) >= self._stale_after

    def fresh(self, record: ExecutionRecord) -> ExecutionRecord:
        """`record`, refreshed first if it is stale."""
        return self.refresh(record) if self.is_stale(record) else record

    def refresh(self, record: ExecutionRecord) -> ExecutionRecord:
        """Record Step Functions' terminal outcome if the table still says otherwise. A stale `pending` execution
        that Step Functions does not know was never started (the API call that wrote it failed or died between its
        two writes): it is recorded `failed`, so no `pending` orphan stays behind. (`stale_after_seconds` is at
        least the API function's timeout, so no StartExecution for it can still be in flight.)"""
        try:
            described = self._gateway.describe(execution_arn(record.state_machine_arn, record.execution_id))
        except ExecutionDoesNotExist:
            # Never started: `pending`, or a resumed execution (written `running` before its start).
            if record.status is ExecutionStatus.PENDING or record.retry_of is not None:
                _, stored = self._executions.transition(
                    record,
                    ExecutionStatus.FAILED,
                    utc_now(),
                    error_code=START_FAILED,
                    error_cause="Step Functions has no record of this execution: it was never started; start it again",
                )
                return stored
            return record
        except StepFunctionsError:
            return record
        return record_outcome(
            self._executions, record, described.status, described.output, described.error, described.cause
        )
