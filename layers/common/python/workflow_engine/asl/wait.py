"""The wait kind: a native Wait state (no Lambda, no log, no result)."""

from __future__ import annotations

from typing import Any

from workflow_engine.asl.kinds import StepContext


class WaitKind:
    produces_result = False
    writes_logs = False

    def compile(self, context: StepContext) -> dict[str, Any]:
        step = context.step
        return {step.name: context.continue_to({"Type": "Wait", "Seconds": step.config.seconds})}
