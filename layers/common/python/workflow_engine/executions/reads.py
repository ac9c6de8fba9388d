"""Reading executions: get, batch-get, list, step logs, compare and webhook deliveries.

A stale active execution is read-repaired on the way (executions.reconcile.StaleRepair)."""

from __future__ import annotations

from collections.abc import Sequence

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogFilter, LogRepository
from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.executions.ownership import owned, owned_batch
from workflow_engine.executions.pool import in_pool
from workflow_engine.executions.reconcile import StaleRepair
from workflow_engine.models.errors import ExecutionNotFound
from workflow_engine.models.execution import ExecutionRecord, LogRecord
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.notification import DeliveryRecord
from workflow_engine.models.run_trigger import TriggerType
from workflow_engine.models.time_range import TimeRange

# A comparison reads at most this many step logs per execution (one Query per 1 MB page).
COMPARE_MAX_LOGS = 1_000


class ExecutionReads:
    def __init__(
        self,
        executions: ExecutionRepository,
        logs: LogRepository,
        deliveries: DeliveryRepository,
        repair: StaleRepair,
    ) -> None:
        self._executions = executions
        self._logs = logs
        self._deliveries = deliveries
        self._repair = repair

    def get(self, user_id: str, execution_id: str) -> ExecutionRecord:
        """One read; a stale active execution is refreshed from Step Functions."""
        return self._repair.fresh(owned(self._executions, user_id, execution_id))

    def batch_get(self, user_id: str, execution_ids: Sequence[str]) -> tuple[list[ExecutionRecord], list[str]]:
        """(the caller's executions among `execution_ids`, in request order; the other ids, in request order).

        One BatchGetItem; stale ones are read-repaired as `get` repairs them (on the batch pool)."""
        found = owned_batch(self._executions, user_id, execution_ids)
        stale = [record for record in found.values() if self._repair.is_stale(record)]
        found.update((record.execution_id, record) for record in in_pool(self._repair.refresh, stale))
        records = [found[execution_id] for execution_id in execution_ids if execution_id in found]
        return records, [execution_id for execution_id in execution_ids if execution_id not in found]

    def compare(
        self, user_id: str, execution_ids: Sequence[str]
    ) -> tuple[list[ExecutionRecord], dict[str, list[LogRecord]]]:
        """The executions (all of them the caller's, or 404) and their step logs, oldest first.

        One BatchGetItem, then one logs Query per execution."""
        records, missing = self.batch_get(user_id, execution_ids)
        if missing:
            raise ExecutionNotFound()
        logs = {
            record.execution_id: self._logs.query(user_id, record.execution_id, LogFilter(), COMPARE_MAX_LOGS)
            for record in records
        }
        return records, logs

    def list_page(
        self,
        user_id: str,
        limit: int,
        offset: int = 0,
        next_token: str | None = None,
        workflow_id: str | None = None,
        status: ExecutionStatus | None = None,
        started: TimeRange | None = None,
        parent_execution_id: str | None = None,
        trigger_type: TriggerType | None = None,
    ) -> tuple[list[ExecutionRecord], str | None]:
        """One page of the caller's executions, newest first, and the token of the next page."""
        if started is not None and started.is_empty:
            return [], None
        return self._executions.list(
            user_id,
            limit=limit,
            offset=offset,
            next_token=next_token,
            workflow_id=workflow_id,
            status=status,
            started=started,
            parent_execution_id=parent_execution_id,
            trigger_type=trigger_type,
        )

    def logs(self, user_id: str, execution_id: str, filters: LogFilter, limit: int) -> list[LogRecord]:
        """One Query per page. Only an empty answer costs a second read, to tell `[]` from 404."""
        records = self._logs.query(user_id, execution_id, filters, limit)
        if not records:
            owned(self._executions, user_id, execution_id)
        return records

    def notifications(self, user_id: str, execution_id: str) -> list[DeliveryRecord]:
        """The webhook deliveries of an execution with their attempts: one Query (a second read tells [] from 404)."""
        records = self._deliveries.query(user_id, execution_id)
        if not records:
            owned(self._executions, user_id, execution_id)
        return records
