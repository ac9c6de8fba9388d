"""Which kind compiles which step type: a mapping other modules extend with `register_kind`."""

from __future__ import annotations

from typing import Any

from workflow_engine.asl.kinds import StepKind
from workflow_engine.asl.task import LambdaTaskKind
from workflow_engine.asl.wait import WaitKind

_LAMBDA_TASK = LambdaTaskKind()
_KINDS: dict[str, StepKind] = {"transform": _LAMBDA_TASK, "http": _LAMBDA_TASK, "ai": _LAMBDA_TASK, "wait": WaitKind()}


def register_kind(step_type: str, kind: StepKind) -> None:
    """Compile steps of `step_type` with `kind` (a new type, or a replacement of an existing one)."""
    _KINDS[step_type] = kind


def kind_of(step: Any) -> StepKind:
    try:
        return _KINDS[step.type]
    except KeyError:
        raise ValueError(f"no compiler is registered for step type {step.type!r}") from None
