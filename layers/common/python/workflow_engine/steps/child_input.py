"""The `workflow` step's Lambda part: the child execution's id and input, before the machine starts the child.

It runs as the step's first attempt-scoped Task (asl.child), so the step's log item (written by steps.runtime, one
per attempt) names the child execution it is about to start: `output_data = {"execution_id", "input"}`. The
child's own steps, status and output are the child execution's (its own logs, GET .../executions/<id>).
"""

from __future__ import annotations

import uuid
from typing import Any

from workflow_engine.models.step_configs import WorkflowConfig
from workflow_engine.steps.placeholders import render


def run_workflow(config: WorkflowConfig, context: dict[str, Any], settings: Any) -> dict[str, Any]:
    """A fresh child execution id, and the child's input: `config.input` rendered, or the parent's input."""
    child_input = context.get("input") if config.input is None else render(config.input, context)
    return {"execution_id": str(uuid.uuid4()), "input": child_input}
