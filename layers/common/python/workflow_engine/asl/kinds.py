"""The one interface every step kind's compiler implements, and the context it compiles a step in.

A kind turns one step into its states: `compile(context) -> {state name: state}`, where the state the
step starts at is named by the step (the user's own name, as the console graph shows it) and any other
state it adds is an engine state (its name starts with "$"). The context says where the step goes next,
where its failures go, its path key and the steps visible to it. A block kind compiles the step lists it
holds through the same context: `context.chain(...)` for states inline in the same machine (a Choice's
branches), `context.sub_machine(...)` for a `{"StartAt", "States"}` of its own (Parallel `Branches`, Map
`ItemProcessor`), whose failures propagate to the block's state instead of being caught per step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from workflow_engine.models.step_tree import StepNode, StepTree


@dataclass(frozen=True)
class CompileTarget:
    """Where the compiled machine points: the step Lambda per step type and the executions table."""

    function_arns: Mapping[str, str]
    executions_table: str
    workflows_table: str = ""  # read by a workflow step (asl.child: the child workflow's current version)


class ListCompiler(Protocol):
    """Compiles step lists (workflow_engine.asl.machine implements it)."""

    def chain(self, nodes: Sequence[StepNode], scope: Scope, after: str | None) -> dict[str, Any]: ...

    def sub_machine(self, nodes: Sequence[StepNode], scope: Scope) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Scope:
    """What every step of a machine (or sub-machine) shares."""

    workflow_id: str
    user_id: str
    target: CompileTarget
    tree: StepTree
    compiler: ListCompiler
    on_failure: str | None  # the state a failure goes to; None: it propagates (inside a sub-machine)
    on_timeout: str | None

    def nested(self) -> Scope:
        """The scope of a sub-machine: its states cannot leave it, so failures propagate to the block."""
        return replace(self, on_failure=None, on_timeout=None)


@dataclass(frozen=True)
class StepContext:
    node: StepNode
    scope: Scope
    next_state: str | None  # None: the step ends its sub-machine ("End": true)
    end_state: str | None  # the sub-machine's end state (for a Catch when next_state is None)

    @property
    def step(self) -> Any:
        return self.node.step

    @property
    def key(self) -> str:
        return self.node.key

    @property
    def after(self) -> str:
        """The state a step continuing past an error goes to (a Catch needs a name even at the end)."""
        target = self.next_state or self.end_state
        if target is None:
            raise ValueError(f"step {self.key} has no state to continue to")
        return target

    def visible_names(self) -> dict[str, str]:
        """Path key -> step name of the steps whose results this step sees (step_tree.visible_before)."""
        return {node.key: node.name for node in self.scope.tree.visible_before(self.node)}

    def continue_to(self, state: dict[str, Any]) -> dict[str, Any]:
        """`state` with its Next (or End, at the end of a sub-machine) set."""
        if self.next_state is None:
            state["End"] = True
        else:
            state["Next"] = self.next_state
        return state

    def chain(self, nodes: Sequence[StepNode], after: str | None) -> dict[str, Any]:
        return self.scope.compiler.chain(nodes, self.scope, after)

    def sub_machine(self, nodes: Sequence[StepNode]) -> dict[str, Any]:
        return self.scope.compiler.sub_machine(nodes, self.scope.nested())


class StepKind(Protocol):
    """How one kind of step compiles, and what the engine needs to know about it."""

    @property
    def produces_result(self) -> bool:
        """Whether the step leaves a result at `$.results.<key>` (the execution's output may be it)."""
        ...

    @property
    def writes_logs(self) -> bool:
        """Whether each attempt writes a step log (resume copies the last one of a reused step)."""
        ...

    def compile(self, context: StepContext) -> dict[str, Any]: ...
