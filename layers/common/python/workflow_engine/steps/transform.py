"""The `transform` step: one JMESPath expression evaluated against the workflow context.

Config: `TransformConfig` (`{"expression": "<JMESPath>"}`, valid JMESPath: checked when the workflow is
saved); the output is whatever the expression selects or builds
(`null` when it selects nothing). The expression sees the whole context, so it can read the execution
input (`input.order.id`) and earlier step outputs (`steps."Load order".output.items`). Quoted
identifiers are needed for step names that are not plain identifiers (spaces, punctuation).
An invalid expression, or one that fails at evaluation, raises `StepFailed`.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.models.step_configs import TransformConfig
from workflow_engine.steps.placeholders import evaluate


def run_transform(config: TransformConfig, context: dict[str, Any], settings: object = None) -> Any:
    """Evaluate `config.expression` against `context` and return the result (no setting is read)."""
    return evaluate(config.expression, context)
