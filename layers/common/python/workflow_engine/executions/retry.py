"""Retry a finished execution as a new one (POST .../{id}/retry): restart it, or resume it where it stopped.

The original is left as it is; the new execution carries `retry_of`. `restart` runs the workflow's current
version from the start; `resume` runs the version the original ran from the step where it stopped, reusing the
recorded results of the steps before (workflow_engine.asl.resume).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from workflow_engine.asl.names import RESUMABLE_REVISION
from workflow_engine.asl.state_document import initial_document
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogFilter, LogRepository
from workflow_engine.data.sfn_gateway import ExecutionDoesNotExist, ExecutionGateway, StepFunctionsError, execution_arn
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions.cancel import stop
from workflow_engine.executions.launch import ExecutionLauncher, checked_document, new_record
from workflow_engine.executions.ownership import owned
from workflow_engine.models.errors import ConflictError, ServiceUnavailableError
from workflow_engine.models.execution import START_FAILED, ExecutionRecord, RetryMode, RetryResponse
from workflow_engine.models.lifecycle import RETRYABLE, ExecutionStatus
from workflow_engine.models.run_trigger import RunTrigger, TriggerType
from workflow_engine.models.step_tree import StepTree

if TYPE_CHECKING:
    from workflow_engine.asl.resume import ResumePoint
    from workflow_engine.models.workflow import WorkflowRecord

# The Idempotency-Key namespace of retries (workflow_engine.executions.idempotency): the same key on a start is
# another request.
OPERATION = "retry-execution"
MAX_REUSED_LOGS = 1_000  # log items read from the original to point the reused steps at (one Query page)


class RetryCommand(BaseModel):
    """What a retry is, and what a repeat with the same Idempotency-Key must match. `input_data` replaces the
    original's input only when `replaces_input`."""

    execution_id: str
    mode: RetryMode
    input_data: Any = None
    replaces_input: bool = False


class RetryExecution:
    def __init__(
        self,
        workflows: WorkflowRepository,
        executions: ExecutionRepository,
        logs: LogRepository,
        gateway: ExecutionGateway,
        launcher: ExecutionLauncher,
    ) -> None:
        self._workflows = workflows
        self._executions = executions
        self._logs = logs
        self._gateway = gateway
        self._launcher = launcher

    def __call__(self, user_id: str, command: RetryCommand) -> RetryResponse:
        """A new execution of a failed, cancelled or timed-out one of the caller's."""
        original = owned(self._executions, user_id, command.execution_id)
        if original.status not in RETRYABLE:
            raise ConflictError(
                f"Execution is {original.status.value}; only failed, cancelled or timed_out executions can be retried"
            )
        workflow = self._workflows.get(user_id, original.workflow_id)
        if workflow is None:
            raise ConflictError(
                "The workflow this execution ran no longer exists (it was deleted); it cannot be retried"
            )
        new_input = command.input_data if command.replaces_input else original.input_data
        if command.mode is RetryMode.RESTART:
            document = checked_document(initial_document(new_input), "input_data")
            record = new_record(
                workflow,
                new_input,
                ExecutionStatus.PENDING,
                RunTrigger(type=TriggerType.RETRY, id=original.execution_id),
            )
            return RetryResponse.of(self._launcher.launch(record, document))
        return RetryResponse.of(self._resume(original, workflow, new_input))

    def _resume(self, original: ExecutionRecord, workflow: WorkflowRecord, new_input: Any) -> ExecutionRecord:
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
        # Imported on the first resume: the step registry pulls the ASL compiler's modules, no other route needs it.
        from workflow_engine.asl.registry import entry_state
        from workflow_engine.asl.resume import resume_document, reused_logs

        point = self._resume_point(original, [entry_state(node) for node in StepTree(workflow.steps).top])
        document = checked_document(resume_document(point, new_input), "the resumed state (input and reused results)")
        # Written `running`: the machine's "$mark running" (conditional on `pending`) then takes the resume path.
        record = new_record(
            workflow, new_input, ExecutionStatus.RUNNING, RunTrigger(type=TriggerType.RETRY, id=original.execution_id)
        )
        original_logs = (
            self._logs.query(original.user_id, original.execution_id, LogFilter(), MAX_REUSED_LOGS)
            if point.index
            else []
        )
        reused = reused_logs(workflow.steps, point, original_logs, record.execution_id, record.started_at)
        self._executions.create(record)
        if reused:
            self._logs.put_many(reused)
        record = self._launcher.launch(record, document, created=True)
        # A cancel that came between the write and the start found no execution to stop: stop it now.
        stored = self._executions.get(record.execution_id)
        if stored is not None and stored.status is ExecutionStatus.CANCELLED:
            stop(self._gateway, record, "Cancelled by the user before it started")
            return stored
        return record

    def _resume_point(self, original: ExecutionRecord, entry_states: list[str]) -> ResumePoint:
        """Where the original stopped, from its Step Functions history (one page for most executions)."""
        from workflow_engine.asl.resume import ResumePoint, resume_point  # on the first resume, as in _resume

        if original.error_code == START_FAILED:  # it never ran a step
            return ResumePoint(0, initial_document(original.input_data))
        try:
            events = self._gateway.history(execution_arn(original.state_machine_arn, original.execution_id))
        except ExecutionDoesNotExist as error:
            raise ConflictError(
                "This execution's Step Functions history is no longer available (it is kept 90 days), so "
                "nothing can be reused; use mode 'restart'"
            ) from error
        except StepFunctionsError as error:
            raise ServiceUnavailableError("The execution's history could not be read; retry later") from error
        return resume_point(events, entry_states, original.input_data)
