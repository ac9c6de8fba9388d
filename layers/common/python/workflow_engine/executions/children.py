"""A parent's child executions (workflow steps, asl.child): cancelled with it.

Stopping a parent in Step Functions makes a best-effort attempt to stop the `.sync` children it waits on; the
local interpreter does not. Either way, the cancel that stops a parent then cancels each of its children that is
still pending or running, and theirs in turn (at most MAX_DEPTH levels), so every child's item ends `cancelled`:
StopExecution (none to stop when the parent was stopped between writing the child and starting it), then the same
conditional write as any cancel. Children are read from the by-parent index (one Query per page, never a Scan).
"""

from __future__ import annotations

from collections.abc import Callable

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.models.errors import ExecutionFinished, ServiceUnavailableError
from workflow_engine.models.execution import ExecutionRecord
from workflow_engine.models.nesting_limits import MAX_CHILD_DEPTH as MAX_DEPTH
from workflow_engine.platform.aws_errors import AWS_ERRORS
from workflow_engine.platform.observability import logger

PAGE = 100


def active_children(executions: ExecutionRepository, parent: ExecutionRecord) -> list[ExecutionRecord]:
    """The parent's children that are still pending or running, every page of them."""
    found: list[ExecutionRecord] = []
    token: str | None = None
    while True:
        page, token = executions.list(
            parent.user_id, limit=PAGE, next_token=token, parent_execution_id=parent.execution_id
        )
        found += [child for child in page if child.status.is_active]
        if not token:
            return found


def cancel_children(
    executions: ExecutionRepository,
    parent: ExecutionRecord,
    cancel: Callable[[ExecutionRecord], object],
    level: int = 1,
) -> None:
    """Cancel the parent's active children with `cancel` (the one cancel of an execution), then their children. A
    child that cannot be cancelled now is logged and left (the parent's cancel stands; a child's own failure or
    completion is recorded by its machine)."""
    if level > MAX_DEPTH or not parent.runs_children:
        return
    for child in active_children(executions, parent):
        try:
            cancel(child)
        except (ExecutionFinished, ServiceUnavailableError, *AWS_ERRORS) as error:
            logger.warning("A child execution was not cancelled", child=child.execution_id, error=type(error).__name__)
            continue
        cancel_children(executions, child, cancel, level + 1)
