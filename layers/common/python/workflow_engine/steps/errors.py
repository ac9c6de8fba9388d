"""Errors a step raises when it fails for a reason the workflow's owner should read.

Rules:
- The message is user-facing: concise, no stack trace, no secrets, no internal addresses beyond what the
  user configured. It ends up in the step log and in the execution's `error_message`.
- The class name is the error type Step Functions sees (Lambda reports it as `errorType`), so the
  compiled ASL `Retry`/`Catch` can tell the kinds apart without matching messages:
  - `StepError`: the step failed; retrying the same request is unlikely to help (bad expression,
    4xx answer, response too large, validation error from the model provider).
  - `RetryableStepError`: a transient failure (throttling, service unavailable, 5xx, timeout,
    connection reset) that a retry may fix.
  - `UnsafeTargetError`: the http step refused the target (SSRF guard). Never worth retrying.
- `details` optionally carries a JSON-serializable payload for the step log (e.g. the HTTP response
  of a failed request), never needed to understand the message.
"""

from __future__ import annotations

from typing import Any


class StepError(Exception):
    """A step failed; `str(error)` is the message shown to the user."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class RetryableStepError(StepError):
    """A transient failure: throttling, unavailable service, 5xx, timeout, dropped connection."""


class UnsafeTargetError(StepError):
    """The http step refused to contact a private, loopback, link-local or otherwise internal address."""
