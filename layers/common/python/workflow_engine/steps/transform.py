"""The `transform` step: one JMESPath expression evaluated against the workflow context.

`config = {"expression": "<JMESPath>"}`; the output is whatever the expression selects or builds
(`null` when it selects nothing). The expression sees the whole context, so it can read the execution
input (`input.order.id`) and earlier step outputs (`steps."Load order".output.items`). Quoted
identifiers are needed for step names that are not plain identifiers (spaces, punctuation).
An invalid expression, or one that fails at evaluation, raises `StepFailed`.
"""

from __future__ import annotations

from typing import Any

from .errors import StepFailed
from .placeholders import evaluate


def run_transform(config: dict[str, Any], context: dict[str, Any]) -> Any:
    """Evaluate `config["expression"]` against `context` and return the result."""
    expression = config.get("expression")
    if not isinstance(expression, str) or not expression.strip():
        raise StepFailed("transform step needs a non-empty 'expression'")
    return evaluate(expression, context)
