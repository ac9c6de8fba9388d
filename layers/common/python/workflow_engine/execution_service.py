"""The engine service the API uses: start, read, list, cancel executions and read their logs.

Step Functions is the source of truth for an execution's state; the executions table is its index. Every
status write is conditional (see ExecutionRepository.transition), so concurrent writers (the state machine,
the reconciler, a cancel, a read-repair) can never move an execution out of a terminal status.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from workflow_engine import business_metrics
from workflow_engine.clock import age_seconds, utc_now
from workflow_engine.compiler import RESUMABLE_REVISION
from workflow_engine.data.codec import dump_json
from workflow_engine.data.executions import ExecutionRepository, UnprocessedKeysError
from workflow_engine.data.logs import LogFilter, LogRepository
from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.errors import (
    ConflictError,
    ExecutionFinished,
    ExecutionNotFound,
    PayloadTooLargeError,
    ServiceUnavailableError,
    WorkflowNotFound,
)
from workflow_engine.idempotency import IdempotentCalls
from workflow_engine.models.batch import CancelOutcome, CancelResult
from workflow_engine.models.execution import (
    ACTIVE_STATUSES,
    RETRYABLE_STATUSES,
    SFN_STATUS,
    ExecutionRecord,
    ExecutionResultResponse,
    ExecutionStatus,
    LogRecord,
    RetryMode,
    RetryResponse,
)
from workflow_engine.models.notification import DeliveryRecord
from workflow_engine.models.workflow import WorkflowRecord
from workflow_engine.resume import ResumePoint, resume_document, resume_point, reused_logs
from workflow_engine.state_document import final_output, initial_document
from workflow_engine.time_range import TimeRange

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import GetExecutionHistoryInputTypeDef, HistoryEventTypeDef

# Step Functions accepts at most 256 KiB of execution input; the envelope takes a few bytes of it.
MAX_SFN_PAYLOAD_BYTES = 262_144
MAX_INPUT_BYTES = MAX_SFN_PAYLOAD_BYTES - 1_024
START_FAILED = "StartExecutionFailed"
# Idempotency-Key namespaces (workflow_engine.idempotency): the same key on execute and on retry are two requests.
START_OPERATION = "start-execution"
RETRY_OPERATION = "retry-execution"
MAX_REUSED_LOGS = 1_000  # log items read from the original to point the reused steps at (one Query page)
# Batch requests stop (or read-repair) executions on a small pool of threads: at most this many at once.
BATCH_CONCURRENCY = 8
BATCH_THREAD_PREFIX = "execution-batch"
# A batch cancel starts no new cancel with less time than this left before the function's timeout (one cancel,
# with the SDK's retries of a throttled StopExecution, can take that long): those ids are answered `error`.
BATCH_RESERVE_SECONDS = 10.0
# A comparison reads at most this many step logs per execution (one Query per 1 MB page).
COMPARE_MAX_LOGS = 1_000

T = TypeVar("T")
R = TypeVar("R")
Answer = TypeVar("Answer", bound=BaseModel)


def in_pool(work: Callable[[T], R], items: Iterable[T], concurrency: int = BATCH_CONCURRENCY) -> list[R]:
    """`[work(item) for item in items]`, run on at most `concurrency` threads; results in order."""
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix=BATCH_THREAD_PREFIX) as pool:
        return list(pool.map(work, items))


def _checked_document(document: dict[str, Any], what: str) -> str:
    text = dump_json(document)
    size = len(text.encode())
    if size > MAX_INPUT_BYTES:
        raise PayloadTooLargeError(
            f"{what} is {size} bytes as JSON; the limit is {MAX_INPUT_BYTES} bytes "
            f"(Step Functions carries at most {MAX_SFN_PAYLOAD_BYTES} bytes)"
        )
    return text


def execution_arn(state_machine_arn: str, execution_id: str) -> str:
    """arn:aws:states:R:A:stateMachine:NAME -> arn:aws:states:R:A:execution:NAME:EXECUTION_ID"""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{execution_id}"


def outcome_fields(status: ExecutionStatus, output: str | None, error: str | None, cause: str | None) -> dict[str, Any]:
    """What a terminal Step Functions outcome records on the execution item."""
    if status is ExecutionStatus.COMPLETED:
        document = json.loads(output) if output else {}
        return {"output_data": final_output(document) if isinstance(document, dict) else None}
    if status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT):
        return {"error_code": error or status.value, "error_cause": cause or ""}
    return {}


class ExecutionService:
    def __init__(
        self,
        workflows: WorkflowRepository,
        executions: ExecutionRepository,
        logs: LogRepository,
        sfn: SFNClient,
        stale_after_seconds: int = 30,
        deliveries: DeliveryRepository | None = None,
        idempotency: IdempotentCalls | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._idempotency = idempotency
        self._workflows = workflows
        self._executions = executions
        self._logs = logs
        self._sfn = sfn
        self._stale_after = stale_after_seconds

    def start(
        self, user_id: str, workflow_id: str, input_data: Any, *, idempotency_key: str | None = None
    ) -> ExecutionResultResponse:
        """Start an execution of the workflow. With an `idempotency_key`, a repeat (same caller, key, workflow and
        input) gets the first answer and starts nothing; see workflow_engine.idempotency for the 422 and 409."""

        payload = {"workflow_id": workflow_id, "input_data": input_data}
        return self._once(
            START_OPERATION,
            user_id,
            idempotency_key,
            payload,
            lambda: ExecutionResultResponse.of(self._start_new(user_id, workflow_id, input_data)),
            ExecutionResultResponse,
        )

    def retry(
        self,
        user_id: str,
        execution_id: str,
        mode: RetryMode,
        input_data: Any,
        replaces_input: bool,
        *,
        idempotency_key: str | None = None,
    ) -> RetryResponse:
        """Retry a finished execution as a new one (see `_retry_new`), repeat-safe as `start` is."""
        payload = {
            "execution_id": execution_id,
            "mode": mode.value,
            "input_data": input_data,
            "replaces_input": replaces_input,
        }
        return self._once(
            RETRY_OPERATION,
            user_id,
            idempotency_key,
            payload,
            lambda: RetryResponse.of(self._retry_new(user_id, execution_id, mode, input_data, replaces_input)),
            RetryResponse,
        )

    def _once(
        self,
        operation: str,
        user_id: str,
        key: str | None,
        payload: dict[str, Any],
        work: Callable[[], Answer],
        answer_type: type[Answer],
    ) -> Answer:
        """`work()`; with a key, at most once per (operation, caller, key) (see workflow_engine.idempotency)."""
        if key is None:
            return work()
        if self._idempotency is None:
            raise RuntimeError("an Idempotency-Key needs ExecutionService(idempotency=IdempotentCalls(...))")
        return self._idempotency.once(operation, user_id, key, payload, work, answer_type)

    def _start_new(self, user_id: str, workflow_id: str, input_data: Any) -> ExecutionRecord:
        """Write `pending`, then StartExecution (named by the execution id). Three AWS calls."""
        document = _checked_document(initial_document(input_data), "input_data")
        workflow = self._workflows.get(user_id, workflow_id)
        if workflow is None:
            raise WorkflowNotFound()
        return self._launch(self._new_record(workflow, input_data, ExecutionStatus.PENDING), document)

    def _retry_new(
        self, user_id: str, execution_id: str, mode: RetryMode, input_data: Any, replaces_input: bool
    ) -> ExecutionRecord:
        """A new execution of a failed, cancelled or timed-out one (`retry_of` = its id); the original is left as
        it is. `restart` runs the current version from the start; `resume` runs the version the original ran
        from the step where it stopped, reusing the recorded results of the steps before (see resume.py)."""
        original = self._owned(user_id, execution_id)
        if original.status not in RETRYABLE_STATUSES:
            raise ConflictError(
                f"Execution is {original.status.value}; only failed, cancelled or timed_out executions can be retried"
            )
        workflow = self._workflows.get(user_id, original.workflow_id)
        if workflow is None:
            raise ConflictError(
                "The workflow this execution ran no longer exists (it was deleted); it cannot be retried"
            )
        new_input = input_data if replaces_input else original.input_data
        if mode is RetryMode.RESTART:
            document = _checked_document(initial_document(new_input), "input_data")
            record = self._new_record(workflow, new_input, ExecutionStatus.PENDING, retry_of=execution_id)
            return self._launch(record, document)
        if workflow.version != original.workflow_version:
            raise ConflictError(
                f"Resume needs the workflow version this execution ran (version {original.workflow_version}), "
                f"which no longer exists: the workflow is now version {workflow.version}. "
                "Use mode 'restart' to run the current version from the start."
            )
        if workflow.asl_revision < RESUMABLE_REVISION:
            raise ConflictError(
                "This workflow's state machine predates resume; save the workflow again (or use mode 'restart')"
            )
        point = self._resume_point(original, [step.name for step in workflow.steps])
        document = _checked_document(resume_document(point, new_input), "the resumed state (input and reused results)")
        # Written `running`: the machine's "$mark running" (conditional on `pending`) then takes the resume path.
        record = self._new_record(workflow, new_input, ExecutionStatus.RUNNING, retry_of=execution_id)
        original_logs = self._logs.query(user_id, execution_id, LogFilter(), MAX_REUSED_LOGS) if point.index else []
        reused = reused_logs(workflow.steps, point, original_logs, record.execution_id, record.started_at)
        self._executions.create(record)
        if reused:
            self._logs.put_many(reused)
        record = self._launch(record, document, created=True)
        # A cancel that came between the write and the start found no execution to stop: stop it now.
        stored = self._executions.get(record.execution_id)
        if stored is not None and stored.status is ExecutionStatus.CANCELLED:
            self._stop(record, "Cancelled by the user before it started")
            return stored
        return record

    def _resume_point(self, original: ExecutionRecord, step_names: list[str]) -> ResumePoint:
        """Where the original stopped, from its Step Functions history (one page for most executions)."""
        if original.error_code == START_FAILED:  # it never ran a step
            return ResumePoint(0, initial_document(original.input_data))
        arn = execution_arn(original.state_machine_arn, original.execution_id)
        events: list[HistoryEventTypeDef] = []
        token: str | None = None
        try:
            while True:
                request: GetExecutionHistoryInputTypeDef = {
                    "executionArn": arn,
                    "maxResults": 1000,
                    "includeExecutionData": True,
                }
                if token:
                    request["nextToken"] = token
                page = self._sfn.get_execution_history(**request)
                events.extend(page.get("events", []))
                token = page.get("nextToken")
                if not token:
                    break
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                raise ConflictError(
                    "This execution's Step Functions history is no longer available (it is kept 90 days), so "
                    "nothing can be reused; use mode 'restart'"
                ) from error
            raise ServiceUnavailableError("The execution's history could not be read; retry later") from error
        except BotoCoreError as error:
            raise ServiceUnavailableError("The execution's history could not be read; retry later") from error
        return resume_point(events, step_names, original.input_data)

    def _new_record(
        self, workflow: WorkflowRecord, input_data: Any, status: ExecutionStatus, retry_of: str | None = None
    ) -> ExecutionRecord:
        now = utc_now()
        return ExecutionRecord(
            execution_id=str(uuid.uuid4()),
            user_id=workflow.user_id,
            workflow_id=workflow.workflow_id,
            workflow_version=workflow.version,
            state_machine_arn=workflow.state_machine_arn,
            state_machine_version_arn=workflow.state_machine_version_arn,
            status=status,
            input_data=input_data,
            started_at=now,
            updated_at=now,
            retry_of=retry_of,
        )

    def _launch(self, record: ExecutionRecord, document: str, created: bool = False) -> ExecutionRecord:
        """Write the execution (unless already written), then StartExecution; a failed start is recorded."""
        if not created:
            self._executions.create(record)
        try:
            # The version the execution records, by its published version's ARN: never the machine's latest
            # definition, which a replace that lost its conditional write may have changed (workflow_service).
            self._sfn.start_execution(
                stateMachineArn=record.state_machine_version_arn or record.state_machine_arn,
                name=record.execution_id,
                input=document,
            )
        except (ClientError, BotoCoreError) as error:
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            try:
                self._executions.transition(
                    record,
                    ExecutionStatus.FAILED,
                    ACTIVE_STATUSES,
                    utc_now(),
                    error_code=START_FAILED,
                    error_cause=f"Step Functions did not start the execution ({code}); start it again",
                )
                recorded = "the execution was recorded as failed"
            except (ClientError, BotoCoreError):  # still active: the first stale read records it failed
                recorded = "the execution will show as failed"
            raise ServiceUnavailableError(
                f"The workflow could not be started ({code}); {recorded}. Retry later."
            ) from error
        business_metrics.count(business_metrics.EXECUTIONS_STARTED)
        return record

    def get(self, user_id: str, execution_id: str) -> ExecutionRecord:
        """One read; a non-terminal execution not updated for a while is refreshed from Step Functions."""
        return self._fresh(self._owned(user_id, execution_id))

    def batch_get(self, user_id: str, execution_ids: Sequence[str]) -> tuple[list[ExecutionRecord], list[str]]:
        """(the caller's executions among `execution_ids`, in request order; the other ids, in request order).

        One BatchGetItem; stale ones are read-repaired as `get` repairs them (on the batch pool)."""
        owned = self._owned_batch(user_id, execution_ids)
        stale = [record for record in owned.values() if self._is_stale(record)]
        owned.update((record.execution_id, record) for record in in_pool(self.refresh, stale))
        found = [owned[execution_id] for execution_id in execution_ids if execution_id in owned]
        return found, [execution_id for execution_id in execution_ids if execution_id not in owned]

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

    def list(
        self,
        user_id: str,
        limit: int,
        offset: int = 0,
        next_token: str | None = None,
        workflow_id: str | None = None,
        status: ExecutionStatus | None = None,
        started: TimeRange | None = None,
    ) -> tuple[list[ExecutionRecord], str | None]:
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
        )

    def cancel(self, user_id: str, execution_id: str) -> ExecutionRecord:
        """StopExecution, then a conditional `cancelled`. If the execution finished first, 409 with its state."""
        return self._cancel(self._owned(user_id, execution_id))

    def batch_cancel(
        self, user_id: str, execution_ids: Sequence[str], seconds_left: Callable[[], float] | None = None
    ) -> builtins.list[CancelResult]:  # builtins: `list` in this class is the method above
        """Cancel each execution as `cancel` does, on the batch pool; one result per id, in request order.

        One BatchGetItem, then for each pending or running execution StopExecution and a conditional write. A
        failure of one (after the SDK's retries) is that id's `error`; the others are unaffected. `seconds_left`
        (the function's remaining time): an id not yet started when it falls under BATCH_RESERVE_SECONDS is
        answered `error` without being touched, so the request never runs into the function's timeout."""
        owned = self._owned_batch(user_id, execution_ids)

        def outcome(record: ExecutionRecord) -> CancelResult:
            if seconds_left is not None and not record.status.is_terminal and seconds_left() < BATCH_RESERVE_SECONDS:
                message = "Not attempted: the request ran out of time; cancel it again"
                return CancelResult(
                    execution_id=record.execution_id, outcome=CancelOutcome.ERROR, status=record.status, message=message
                )
            return self._cancel_outcome(record)

        outcomes = dict(zip(owned, in_pool(outcome, owned.values()), strict=True))
        return [
            outcomes.get(execution_id)
            or CancelResult(execution_id=execution_id, outcome=CancelOutcome.NOT_FOUND, status=None)
            for execution_id in execution_ids
        ]

    def _cancel_outcome(self, record: ExecutionRecord) -> CancelResult:
        def result(outcome: CancelOutcome, status: str, message: str | None = None) -> CancelResult:
            return CancelResult(execution_id=record.execution_id, outcome=outcome, status=status, message=message)

        try:
            stored = self._cancel(record)
        except ExecutionFinished as finished:
            return result(CancelOutcome.CONFLICT, finished.status)
        except ServiceUnavailableError as error:
            return result(CancelOutcome.ERROR, record.status, str(error))
        except (ClientError, BotoCoreError) as error:  # StopExecution succeeded, the conditional write failed
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            message = f"Stopped, but the new status could not be recorded ({code}); it will show as cancelled soon"
            return result(CancelOutcome.ERROR, record.status, message)
        return result(CancelOutcome.CANCELLED, stored.status)

    def _cancel(self, record: ExecutionRecord) -> ExecutionRecord:
        if record.status.is_terminal:
            raise ExecutionFinished(
                f"Execution is {record.status.value}; only pending or running executions can be cancelled",
                record.status.value,
            )
        self._stop(record, "Cancelled by the user")
        applied, stored = self._executions.transition(record, ExecutionStatus.CANCELLED, ACTIVE_STATUSES, utc_now())
        # The ABORTED event may reach the reconciler before this write: cancelled either way.
        if not applied and stored.status is not ExecutionStatus.CANCELLED:
            raise ExecutionFinished(
                f"Execution is {stored.status.value}; it finished before it could be cancelled", stored.status.value
            )
        return stored

    def notifications(self, user_id: str, execution_id: str) -> builtins.list[DeliveryRecord]:
        """The webhook deliveries of an execution with their attempts: one Query (a second read tells [] from 404)."""
        if self._deliveries is None:
            raise ServiceUnavailableError("Notifications are not configured for this function")
        records = self._deliveries.query(user_id, execution_id)
        if not records:
            self._owned(user_id, execution_id)
        return records

    def _stop(self, record: ExecutionRecord, cause: str) -> None:
        try:
            self._sfn.stop_execution(
                executionArn=execution_arn(record.state_machine_arn, record.execution_id), cause=cause
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code != "ExecutionDoesNotExist":
                raise ServiceUnavailableError(f"The execution could not be stopped ({code}); retry later") from error
        except BotoCoreError as error:
            message = f"The execution could not be stopped ({type(error).__name__}); retry later"
            raise ServiceUnavailableError(message) from error

    def logs(self, user_id: str, execution_id: str, filters: LogFilter, limit: int) -> builtins.list[LogRecord]:
        """One Query per page. Only an empty answer costs a second read, to tell `[]` from 404."""
        records = self._logs.query(user_id, execution_id, filters, limit)
        if not records:
            self._owned(user_id, execution_id)
        return records

    def refresh(self, record: ExecutionRecord) -> ExecutionRecord:
        """Read-repair of a stale execution: record Step Functions' terminal outcome if the table still says
        otherwise. A stale `pending` execution that Step Functions does not know was never started (the API
        call that wrote it failed or died between its two writes): it is recorded `failed`, so no `pending`
        orphan stays behind. (`stale_after_seconds` is at least the API function's timeout, so no
        StartExecution for it can still be in flight.)"""
        try:
            described = self._sfn.describe_execution(
                executionArn=execution_arn(record.state_machine_arn, record.execution_id)
            )
        except ClientError as error:
            # Never started: `pending`, or a resumed execution (written `running` before its start).
            never_started = record.status is ExecutionStatus.PENDING or record.retry_of is not None
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist" and never_started:
                _, stored = self._executions.transition(
                    record,
                    ExecutionStatus.FAILED,
                    ACTIVE_STATUSES,
                    utc_now(),
                    error_code=START_FAILED,
                    error_cause="Step Functions has no record of this execution: it was never started; start it again",
                )
                return stored
            return record
        except BotoCoreError:
            return record
        return record_outcome(
            self._executions,
            record,
            described["status"],
            described.get("output"),
            described.get("error"),
            described.get("cause"),
        )

    def _owned(self, user_id: str, execution_id: str) -> ExecutionRecord:
        record = self._executions.get(execution_id)
        if record is None or record.user_id != user_id:
            raise ExecutionNotFound()
        return record

    def _owned_batch(self, user_id: str, execution_ids: Sequence[str]) -> dict[str, ExecutionRecord]:
        """The caller's executions among `execution_ids`, by id, in request order (another user's are left out,
        exactly as unknown ids are)."""
        try:
            stored = self._executions.batch_get(execution_ids)
        except UnprocessedKeysError as error:
            raise ServiceUnavailableError("DynamoDB is throttling these reads; retry later") from error
        owned = {execution_id: stored.get(execution_id) for execution_id in dict.fromkeys(execution_ids)}
        return {execution_id: record for execution_id, record in owned.items() if record and record.user_id == user_id}

    def _is_stale(self, record: ExecutionRecord) -> bool:
        return record.status in ACTIVE_STATUSES and age_seconds(record.updated_at) >= self._stale_after

    def _fresh(self, record: ExecutionRecord) -> ExecutionRecord:
        return self.refresh(record) if self._is_stale(record) else record


def record_outcome(
    executions: ExecutionRepository,
    record: ExecutionRecord,
    sfn_status: str,
    output: str | None,
    error: str | None,
    cause: str | None,
) -> ExecutionRecord:
    """Record a Step Functions outcome on the execution item, if the item is not terminal yet.

    Shared by read-repair (ExecutionService.refresh) and the reconciler (status-change events).
    """
    status = SFN_STATUS.get(sfn_status)
    # `running` is the machine's own first write ("$mark running", conditional on `pending`): recording it
    # here first would make that write fail and end the execution as failed. Only outcomes are repaired.
    if status is None or not status.is_terminal or record.status.is_terminal:
        return record
    _, stored = executions.transition(
        record, status, ACTIVE_STATUSES, utc_now(), **outcome_fields(status, output, error, cause)
    )
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
