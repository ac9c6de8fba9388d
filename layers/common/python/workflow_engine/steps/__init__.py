"""Pure step logic: what each Lambda-backed step type does with its config and the workflow context.

Nothing here knows about Lambda events, DynamoDB or Step Functions; the step handlers call these
functions and record the result. Context shape: `{"input": ..., "steps": {"<name>": {"output": ...}}}`.
"""

from .errors import RetryableStepError, StepError, UnsafeTargetError
from .payload import cap_json, to_jsonable
from .placeholders import render

__all__ = [
    "RetryableStepError",
    "StepError",
    "UnsafeTargetError",
    "cap_json",
    "render",
    "to_jsonable",
]
