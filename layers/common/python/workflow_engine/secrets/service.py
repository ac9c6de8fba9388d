"""The secrets API's use cases: set, list and delete one user's secrets. Values go in, never out.

- A name that breaks `SECRET_NAME` never reaches here (the route's path validation answers 422).
- A value that cannot be stored (`value_problem`) is a 422 (`SecretRejected`) and nothing is stored; its message
  never quotes the value.
- Deleting a secret that does not exist is a 404 (`SecretNotFoundError`), as for any other unknown resource.
- A failed AWS call is a 503 (nothing half-done: the write is one call, or a create that failed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from workflow_engine.data.secrets import SecretStore
from workflow_engine.models.errors import InvalidRequestError, NotFoundError, ServiceUnavailableError
from workflow_engine.models.secrets import SecretSummary, value_problem
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.platform.observability import logger

T = TypeVar("T")


class SecretRejected(InvalidRequestError):
    """A value that cannot be stored (empty, too long)."""


class SecretNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Secret not found")


class SecretService:
    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def set(self, user_id: str, name: str, value: str) -> None:
        problem = value_problem(value)
        if problem is not None:
            raise SecretRejected(f"secret {name!r}: {problem}; nothing was stored")
        self._call("set", lambda: self._store.put(user_id, name, value))

    def list(self, user_id: str) -> list[SecretSummary]:
        return self._call("list", lambda: self._store.names(user_id))

    def delete(self, user_id: str, name: str) -> None:
        if not self._call("delete", lambda: self._store.delete(user_id, name)):
            raise SecretNotFoundError()

    @staticmethod
    def _call(action: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except AWS_ERRORS as error:
            logger.warning("secrets call failed", action=action, error_code=error_code(error))
            raise ServiceUnavailableError(f"could not {action} the secret; retry later") from None
