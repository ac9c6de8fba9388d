"""Cancel executions (POST .../{id}/cancel and .../batch-cancel): StopExecution, then a conditional `cancelled`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.sfn_gateway import ExecutionDoesNotExist, ExecutionGateway, StepFunctionsError, execution_arn
from workflow_engine.executions.children import cancel_children
from workflow_engine.executions.ownership import owned, owned_batch
from workflow_engine.executions.pool import in_pool
from workflow_engine.models.batch import CancelOutcome, CancelResult
from workflow_engine.models.errors import ExecutionFinished, ServiceUnavailableError
from workflow_engine.models.execution import ExecutionRecord
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.platform.clock import utc_now

# A batch cancel starts no new cancel with less time than this left before the function's timeout (one cancel,
# with the SDK's retries of a throttled StopExecution, can take that long): those ids are answered `error`.
BATCH_RESERVE_SECONDS = 10.0


def stop(gateway: ExecutionGateway, record: ExecutionRecord, cause: str) -> None:
    """StopExecution; one Step Functions never started has nothing to stop. Any other failure is a 503."""
    try:
        gateway.stop(execution_arn(record.state_machine_arn, record.execution_id), cause)
    except ExecutionDoesNotExist:
        return
    except StepFunctionsError as error:
        raise ServiceUnavailableError(f"The execution could not be stopped ({error.code}); retry later") from error


class CancelExecutions:
    def __init__(self, executions: ExecutionRepository, gateway: ExecutionGateway) -> None:
        self._executions = executions
        self._gateway = gateway

    def one(self, user_id: str, execution_id: str) -> ExecutionRecord:
        """Cancel the caller's execution. If it finished first, 409 with its state."""
        return self._cancel(owned(self._executions, user_id, execution_id))

    def batch(
        self, user_id: str, execution_ids: Sequence[str], seconds_left: Callable[[], float] | None = None
    ) -> list[CancelResult]:
        """Cancel each execution as `one` does, on the batch pool; one result per id, in request order.

        One BatchGetItem, then for each pending or running execution StopExecution and a conditional write. A
        failure of one (after the SDK's retries) is that id's `error`; the others are unaffected. `seconds_left`
        (the function's remaining time): an id not yet started when it falls under BATCH_RESERVE_SECONDS is
        answered `error` without being touched, so the request never runs into the function's timeout."""
        found = owned_batch(self._executions, user_id, execution_ids)

        def outcome(record: ExecutionRecord) -> CancelResult:
            if seconds_left is not None and record.status.is_active and seconds_left() < BATCH_RESERVE_SECONDS:
                message = "Not attempted: the request ran out of time; cancel it again"
                return CancelResult(
                    execution_id=record.execution_id, outcome=CancelOutcome.ERROR, status=record.status, message=message
                )
            return self._outcome(record)

        outcomes = dict(zip(found, in_pool(outcome, found.values()), strict=True))
        return [
            outcomes.get(execution_id)
            or CancelResult(execution_id=execution_id, outcome=CancelOutcome.NOT_FOUND, status=None)
            for execution_id in execution_ids
        ]

    def _outcome(self, record: ExecutionRecord) -> CancelResult:
        def result(outcome: CancelOutcome, status: str, message: str | None = None) -> CancelResult:
            return CancelResult(execution_id=record.execution_id, outcome=outcome, status=status, message=message)

        try:
            stored = self._cancel(record)
        except ExecutionFinished as finished:
            return result(CancelOutcome.CONFLICT, finished.status)
        except ServiceUnavailableError as error:
            return result(CancelOutcome.ERROR, record.status, str(error))
        except AWS_ERRORS as error:  # StopExecution succeeded, the conditional write failed
            message = (
                f"Stopped, but the new status could not be recorded ({error_code(error)}); "
                "it will show as cancelled soon"
            )
            return result(CancelOutcome.ERROR, record.status, message)
        return result(CancelOutcome.CANCELLED, stored.status)

    def _cancel(self, record: ExecutionRecord) -> ExecutionRecord:
        stored = self._cancel_one(record)
        cancel_children(self._executions, record, self._cancel_one)
        return stored

    def _cancel_one(self, record: ExecutionRecord) -> ExecutionRecord:
        if record.status.is_terminal:
            raise ExecutionFinished(
                f"Execution is {record.status.value}; only pending or running executions can be cancelled",
                record.status.value,
            )
        stop(self._gateway, record, "Cancelled by the user")
        applied, stored = self._executions.transition(record, ExecutionStatus.CANCELLED, utc_now())
        # The ABORTED event may reach the reconciler before this write: cancelled either way.
        if not applied and stored.status is not ExecutionStatus.CANCELLED:
            raise ExecutionFinished(
                f"Execution is {stored.status.value}; it finished before it could be cancelled", stored.status.value
            )
        return stored
