"""A block kind for tests only: a `group` step holding step lists, compiled as a Parallel (one branch per list).

It plugs into the compiler the way the control-flow blocks will (a StepContainer step, a kind registered for
its type, its lists compiled through the StepContext), with no change to the compiler: the tests use it to
check that nested path keys, sub-machines and the reachability pass work, in asl-validator and in moto.
Its result is the output of the last step of its first list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.asl.kinds import StepContext
from workflow_engine.asl.names import RECORD_FAILURE, result_path
from workflow_engine.asl.registry import register_kind

GROUP = "group"


@dataclass(frozen=True)
class GroupStep:
    name: str
    lists: Sequence[Sequence[Any]]
    type: str = GROUP
    continue_on_error: bool = False
    retry: None = None
    timeout_seconds: None = None
    config: dict[str, Any] = field(default_factory=dict)

    def step_lists(self) -> Sequence[Sequence[Any]]:
        return self.lists


class GroupKind:
    produces_result = True
    writes_logs = False

    def compile(self, context: StepContext) -> dict[str, Any]:
        lists = context.scope.tree.lists_of(context.node)
        first = lists[0]
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": [context.sub_machine(nodes) for nodes in lists],
            "ResultSelector": {"output.$": f"$[0].results.{first[-1].key}.output"},
            "ResultPath": result_path(context.key),
        }
        if context.scope.on_failure is not None:
            state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": RECORD_FAILURE}]
        return {context.step.name: context.continue_to(state)}


def register_group_kind() -> None:
    register_kind(GROUP, GroupKind())
