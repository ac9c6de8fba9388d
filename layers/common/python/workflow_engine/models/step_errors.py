"""Errors a step raises when it fails for a reason the workflow's owner should read.

Rules:
- The message is user-facing: concise, no stack trace, no secrets, no internal addresses beyond what the
  user configured. It ends up in the step log and in the execution's `error_message`.
- The class name is the error name Step Functions sees: the step Lambda (workflow_engine.steps.runtime)
  re-raises the error as the same class (a subclass as the nearest of these three: `reported_class`) with the
  step's name in the message, Lambda reports the class name as `errorType`, and the compiled ASL
  `Retry`/`Catch` match on `<class>.__name__` (workflow_engine.asl.task) to tell the kinds apart without
  matching messages:
  - `StepFailed`: the step failed; retrying the same request is unlikely to help (bad expression,
    4xx answer, response too large, validation error from the model provider).
  - `StepRetryable`: a transient failure (throttling, service unavailable, 5xx, timeout,
    connection reset) that a retry may fix.
  - `UnsafeTarget`: the http step refused the target (SSRF guard). Never worth retrying.
  - `SecretNotFound`: a `{{ secrets.NAME }}` the step references does not exist for the execution's owner (the
    message names it); raised before any request goes out. A retry may find it once the owner sets it.
  Any other exception a step raises is an internal fault, reported by its own class name.
  `ExpressionTooExpensive` (a JMESPath evaluation passed its budget: workflow_engine.models.expressions) is reported as
  `StepFailed`: it fails every attempt the same way, and the step's own `retry` bounds the attempts (each one is
  stopped within the budget).
- `details` optionally carries a JSON-serializable payload for the step log (e.g. the HTTP response
  of a failed request), never needed to understand the message.
"""

from __future__ import annotations

from typing import Any


class StepFailed(Exception):
    """A step failed; `str(error)` is the message shown to the user."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class StepRetryable(StepFailed):
    """A transient failure: throttling, unavailable service, 5xx, timeout, dropped connection."""


class UnsafeTarget(StepFailed):
    """The http step refused to contact a private, loopback, link-local or otherwise internal address."""


class ExpressionTooExpensive(StepFailed):
    """A JMESPath expression passed its evaluation budget (workflow_engine.models.expressions)."""


class SecretNotFound(StepFailed):
    """A `{{ secrets.NAME }}` the step references is not one of the execution owner's secrets (`named`)."""

    @classmethod
    def named(cls, name: str) -> SecretNotFound:
        return cls(f"secret {name!r} not found (set it with PUT /api/secrets/{name} or `wfe secrets set {name}`)")


# Every error name a step Lambda reports for a failure the user should read (its message is user-facing).
STEP_ERROR_NAMES: tuple[str, ...] = (
    StepFailed.__name__,
    StepRetryable.__name__,
    UnsafeTarget.__name__,
    SecretNotFound.__name__,
)


def reported_class(error: StepFailed) -> type[StepFailed]:
    """The class a step Lambda re-raises `error` as: the nearest of those whose names Retry/Catch match, so a
    finer subclass (say, a TLS failure under StepFailed) still reaches Step Functions under a name it knows."""
    return next(cls for cls in type(error).__mro__ if issubclass(cls, StepFailed) and cls.__name__ in STEP_ERROR_NAMES)
