"""Domain errors. The API maps each class to one status code in one place (functions/api/errors.py)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: the message is safe to show to the caller."""


class NotFoundError(DomainError):
    """Unknown id, or an id that belongs to another user (the two are indistinguishable on purpose)."""


class WorkflowNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Workflow not found")


class ExecutionNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Execution not found")


class ConflictError(DomainError):
    """The request is valid but the resource's state does not allow it."""


class ExecutionFinished(ConflictError):
    """A cancel found the execution already finished; `status` is the status it finished with."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


class InvalidRequestError(DomainError):
    """Well-formed but unacceptable input that the request schema cannot express (cursors, offsets)."""


class DefinitionRejected(InvalidRequestError):
    """Step Functions refused the state machine compiled from a workflow (its diagnostic is in the message)."""

    def __init__(self, diagnostic: str) -> None:
        super().__init__(f"Step Functions refused the state machine compiled from this workflow: {diagnostic}")


class PayloadTooLargeError(DomainError):
    """An input that Step Functions could not carry."""


class ServiceUnavailableError(DomainError):
    """A dependency failed; nothing was left half-done and the caller may retry."""

    def __init__(self, message: str, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ApprovalNotWaiting(ConflictError):
    """A decision for an approval step that is not waiting: never was, already decided, timed out, or its
    execution ended (cancelled included)."""


class UnauthorizedError(DomainError):
    """A request that authenticates itself (an inbound webhook's signature) and failed to: 401."""


class UnsupportedMediaTypeError(DomainError):
    """A body of a content type the route does not take: 415."""


class TooManyRequestsError(DomainError):
    """A rate limit was reached; the caller may retry after `retry_after_seconds`: 429."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class TriggerNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Trigger not found")
