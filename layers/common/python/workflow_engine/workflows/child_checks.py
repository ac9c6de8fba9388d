"""Save-time checks of `workflow` steps (create and update): each names one of the caller's workflows, and no
workflow reaches itself through them (A -> A, A -> B -> A).

The walk follows workflow steps from the saved workflow down at most MAX_DEPTH levels (deeper chains are stopped
at run time: asl.child), reading each workflow once (one GetItem, by owner and id: another user's workflow is
never read). A problem is an InvalidRequestError (422) naming the step, and for a cycle the workflows in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.errors import InvalidRequestError
from workflow_engine.models.nesting_limits import MAX_CHILD_DEPTH as MAX_DEPTH
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.workflow import WorkflowRecord


def child_references(steps: Sequence[Any]) -> Iterator[tuple[str, str]]:
    """(step name, workflow id) of every workflow step, nested ones included, in definition order."""
    for node in StepTree(steps).walk():
        if node.step.type == "workflow":
            yield node.name, node.step.config.workflow_id


class ChildWorkflowChecks:
    def __init__(self, repository: WorkflowRepository) -> None:
        self._repository = repository

    def check(self, user_id: str, workflow_id: str | None, name: str, steps: Sequence[Any]) -> None:
        """Raise InvalidRequestError unless every workflow step of `steps` (the workflow `workflow_id`, None when
        it is being created, named `name`) names a workflow of the caller's and no cycle passes through them."""
        read: dict[str, WorkflowRecord | None] = {}

        def load(target: str) -> WorkflowRecord | None:
            if target not in read:
                read[target] = self._repository.get(user_id, target)
            return read[target]

        for step_name, target in child_references(steps):
            if target == workflow_id:
                raise InvalidRequestError(
                    f'steps "{step_name}".config.workflow_id: a workflow cannot run itself (cycle: {name} -> {name})'
                )
            child = load(target)
            if child is None:
                raise InvalidRequestError(
                    f'steps "{step_name}".config.workflow_id: no workflow {target} of yours exists'
                )
            cycle = self._cycle_from(child, workflow_id, [name, child.name], {target}, load, level=2)
            if cycle:
                raise InvalidRequestError(
                    f'steps "{step_name}".config.workflow_id: workflows would run each other in a cycle '
                    f"({' -> '.join(cycle)})"
                )

    def _cycle_from(
        self,
        workflow: WorkflowRecord,
        origin: str | None,
        path: list[str],
        on_path: set[str],
        load: Any,
        level: int,
    ) -> list[str] | None:
        """The names along a cycle reachable from `workflow` (back to `origin`, or among the others), or None."""
        if level > MAX_DEPTH:
            return None
        for _, target in child_references(workflow.steps):
            if target == origin or target in on_path:
                closing = path[0] if target == origin else (read_name(load(target)) or target)
                return [*path, closing]
            child = load(target)
            if child is None:
                continue  # a dangling reference fails that workflow's own step at run time (WorkflowNotFound)
            found = self._cycle_from(child, origin, [*path, child.name], on_path | {target}, load, level + 1)
            if found:
                return found
        return None


def read_name(record: WorkflowRecord | None) -> str | None:
    return record.name if record is not None else None
