"""The execution owner's secrets for one step attempt: `{{ secrets.NAME }}` resolved, and remembered for redaction.

`OwnerSecrets.value(name)` reads the secret of the invocation's user id (the one the state machine passes the
step, which the API set from the caller's token when the execution started): a name of another user's secret is
simply not found. Each value read is added to the attempt's redactor before it is returned, so nothing the step
writes afterwards can hold it. A missing secret raises `SecretNotFound` naming it.
"""

from __future__ import annotations

from typing import Protocol

from workflow_engine.models.step_errors import SecretNotFound, StepRetryable
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.steps.redaction import Redactor


class SecretValues(Protocol):
    def value(self, user_id: str, name: str) -> str | None: ...


class OwnerSecrets:
    def __init__(self, reader: SecretValues, user_id: str, redactor: Redactor) -> None:
        self._reader = reader
        self._user_id = user_id
        self._redactor = redactor

    def value(self, name: str) -> str:
        try:
            value = self._reader.value(self._user_id, name)
        except AWS_ERRORS as error:
            raise StepRetryable(f"could not read secret {name!r} ({error_code(error)})") from None
        except Exception as error:  # Powertools wraps every SDK failure in GetParameterError
            raise StepRetryable(f"could not read secret {name!r} ({type(error).__name__})") from None
        if value is None:
            raise SecretNotFound.named(name)
        self._redactor.add(value)
        return value
