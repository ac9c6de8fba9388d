"""Start an execution of a workflow (POST /api/workflows/{id}/execute)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from workflow_engine.asl.names import ASL_REVISION
from workflow_engine.asl.state_document import initial_document
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions.launch import ExecutionLauncher, checked_document, new_record
from workflow_engine.models.errors import WorkflowNotFound
from workflow_engine.models.execution import ExecutionResultResponse
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.run_trigger import API_TRIGGER, RunTrigger

if TYPE_CHECKING:
    from workflow_engine.models.workflow import WorkflowRecord

    # Brings a workflow saved by an older compiler up to date (WorkflowService.recompile, wired by the handler).
    Recompile = Callable[[WorkflowRecord], WorkflowRecord]

# The Idempotency-Key namespace of starts (workflow_engine.executions.idempotency): the same key on a retry is
# another request.
OPERATION = "start-execution"


class StartCommand(BaseModel):
    """What a start is, and what a repeat with the same Idempotency-Key must match."""

    workflow_id: str
    input_data: Any = None


class StartExecution:
    def __init__(
        self, workflows: WorkflowRepository, launcher: ExecutionLauncher, recompile: Recompile | None = None
    ) -> None:
        self._workflows = workflows
        self._launcher = launcher
        self._recompile = recompile

    def __call__(
        self,
        user_id: str,
        command: StartCommand,
        trigger: RunTrigger = API_TRIGGER,
        execution_id: str | None = None,
    ) -> ExecutionResultResponse:
        """Write `pending`, then StartExecution (named by the execution id). Three AWS calls. `trigger` says what
        started it: a client's execute (`api`), a schedule or an inbound webhook; `execution_id` is the id to give
        the execution (default: a fresh one), for a caller that recorded it before the start."""
        document = checked_document(initial_document(command.input_data), "input_data")
        workflow = self._workflows.get(user_id, command.workflow_id)
        if workflow is None:
            raise WorkflowNotFound()
        if self._recompile is not None and workflow.asl_revision < ASL_REVISION:
            workflow = self._recompile(workflow)
        record = new_record(workflow, command.input_data, ExecutionStatus.PENDING, trigger, execution_id)
        return ExecutionResultResponse.of(self._launcher.launch(record, document))
