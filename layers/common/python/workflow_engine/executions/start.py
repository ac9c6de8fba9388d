"""Start an execution of a workflow (POST /api/workflows/{id}/execute)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from workflow_engine.asl.state_document import initial_document
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions.launch import ExecutionLauncher, checked_document, new_record
from workflow_engine.models.errors import WorkflowNotFound
from workflow_engine.models.execution import ExecutionResultResponse
from workflow_engine.models.lifecycle import ExecutionStatus

# The Idempotency-Key namespace of starts (workflow_engine.executions.idempotency): the same key on a retry is
# another request.
OPERATION = "start-execution"


class StartCommand(BaseModel):
    """What a start is, and what a repeat with the same Idempotency-Key must match."""

    workflow_id: str
    input_data: Any = None


class StartExecution:
    def __init__(self, workflows: WorkflowRepository, launcher: ExecutionLauncher) -> None:
        self._workflows = workflows
        self._launcher = launcher

    def __call__(self, user_id: str, command: StartCommand) -> ExecutionResultResponse:
        """Write `pending`, then StartExecution (named by the execution id). Three AWS calls."""
        document = checked_document(initial_document(command.input_data), "input_data")
        workflow = self._workflows.get(user_id, command.workflow_id)
        if workflow is None:
            raise WorkflowNotFound()
        record = new_record(workflow, command.input_data, ExecutionStatus.PENDING)
        return ExecutionResultResponse.of(self._launcher.launch(record, document))
