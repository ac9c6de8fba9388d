"""Trying a JMESPath expression in the editor: the engine's own bounded evaluator (models.expressions), the one a
transform step, a placeholder and a map's `items` run with, on data the person gives.

The answer is what a step would get: the expression's result (null when it selects nothing), or
`ExpressionRefused` (a 422) saying why a step would fail: not valid JMESPath or nested too deep (the save-time
check), past the evaluation budgets (MAX_STEPS steps, MAX_VOLUME units of data: a step fails the same way), or
a JMESPath error at evaluation (a function given the wrong type). Nothing is stored or run.
"""

from __future__ import annotations

from typing import Any

from jmespath.exceptions import JMESPathError

from workflow_engine.models.errors import InvalidRequestError
from workflow_engine.models.expressions import ExpressionRejected, error_reason, search_bounded
from workflow_engine.models.step_errors import ExpressionTooExpensive


class ExpressionRefused(InvalidRequestError):
    """The expression cannot be evaluated on this data; the message says why, as a step's error would."""


def try_expression(expression: str, data: Any) -> Any:
    """The result of `expression` on `data`, within the engine's budgets; else `ExpressionRefused`."""
    try:
        return search_bounded(expression, data)
    except ExpressionRejected as error:  # before ValueError, which it is
        raise ExpressionRefused(_capitalized(str(error))) from None
    except ExpressionTooExpensive as error:
        raise ExpressionRefused(_capitalized(str(error))) from None
    except (JMESPathError, TypeError, ValueError) as error:
        raise ExpressionRefused(f"The expression failed on this data: {error_reason(error)}") from None


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]
