"""Which kind compiles which step type.

Every Lambda-kind step type of the step registry (workflow_engine.models.step_types) compiles as a Lambda task, with
nothing to add here. A native type (a state the machine runs itself: Wait, and the blocks to come) registers its
own kind with `register_kind`.

A step starts at the state named by the step, unless its kind runs an engine state first (a map checks its items
in "$items <key>" before its Map state, which keeps the step's name): `entry_state` says which, and every
transition into a step (the state before it, a branch's start, "$mark running", "$resume") goes there.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from workflow_engine.asl.child import ChildWorkflowKind
from workflow_engine.asl.kinds import StepKind
from workflow_engine.asl.task import LambdaTaskKind
from workflow_engine.asl.wait import WaitKind
from workflow_engine.models.step_tree import StepNode
from workflow_engine.models.step_types import STEP_TYPES

_LAMBDA_TASK = LambdaTaskKind()
# A workflow step has a Lambda part (its function prepares the child) but compiles as a Parallel of its own.
_NATIVE_KINDS: dict[str, StepKind] = {"wait": WaitKind(), "workflow": ChildWorkflowKind()}


def register_kind(step_type: str, kind: StepKind) -> None:
    """Compile steps of `step_type` with `kind` (a new type, or a replacement of an existing one)."""
    _NATIVE_KINDS[step_type] = kind


def kind_of(step: Any) -> StepKind:
    if step.type in _NATIVE_KINDS:
        return _NATIVE_KINDS[step.type]
    if step.type in STEP_TYPES and STEP_TYPES[step.type].kind == "lambda":
        return _LAMBDA_TASK
    raise ValueError(f"no compiler is registered for step type {step.type!r}")


@runtime_checkable
class EntersThroughEngineState(Protocol):
    """A kind whose step starts at an engine state of its own, before the state named by the step."""

    def entry_state(self, node: StepNode) -> str: ...


def entry_state(node: StepNode) -> str:
    """The state a step starts at: the step's own name, or its kind's engine state that runs first."""
    kind = kind_of(node.step)
    return kind.entry_state(node) if isinstance(kind, EntersThroughEngineState) else node.name
