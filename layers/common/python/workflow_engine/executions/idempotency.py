"""Repeat-safe requests: the same Idempotency-Key gets the first answer instead of doing the work twice.

`idempotent(calls, operation, answer_type)` decorates a use case `(user_id, command) -> answer` (start and retry
executions): the decorated use case takes an `idempotency_key`; without one it simply runs.

Rules (Powertools idempotency over the idempotency table):
- A key is scoped to the caller and to the operation: the same key from another user, or on another
  operation (start and retry), is another request. The operation name is the stored key's prefix.
- The payload that must match on a repeat is the command (its JSON form).
- The same key with a different payload is refused with `InvalidRequestError` (422); a key whose first
  request is still running is refused with `ConflictError` (409). The in-progress record of an invocation
  that died expires when that invocation would have timed out (the registered Lambda context's remaining
  time), so it does not hold the key for the whole TTL.
- A request whose work raises stores nothing: the same key may be sent again (e.g. after a 503).
- Answers are kept `ttl_seconds` (settings.idempotency_ttl_seconds), then the key may be used afresh.
- Nothing is imported or built until the first keyed request: the utility imports its DynamoDB layer,
  which requests without a key (and the cold start) never need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from workflow_engine.models.errors import ConflictError, InvalidRequestError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MISMATCH = "Idempotency-Key was already used with a different request body"
IN_PROGRESS = "A request with this Idempotency-Key is still in progress; retry it in a moment"

Answer = TypeVar("Answer", bound=BaseModel)
Command = TypeVar("Command", bound=BaseModel)


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class IdempotentCalls:
    """Runs `work` at most once per (operation, caller, key) within the TTL; repeats get the stored answer."""

    def __init__(self, dynamodb: DynamoDBClient, table_name: str, ttl_seconds: int) -> None:
        self._dynamodb = dynamodb
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds
        self._lambda_context: LambdaContext | None = None
        self._operations: dict[str, tuple[Any, Callable[..., dict[str, Any]]]] = {}

    def register_lambda_context(self, context: LambdaContext | None) -> None:
        """The current invocation (the handler calls this each time): bounds an in-progress record's life."""
        self._lambda_context = context

    def once(
        self,
        operation: str,
        user_id: str,
        key: str,
        payload: dict[str, Any],
        work: Callable[[], Answer],
        answer_type: type[Answer],
    ) -> Answer:
        """`work()`, or the stored answer (an `answer_type`) of the first request with this key.

        `payload` is what must match on a repeat. The answer is stored as its JSON form."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config, run_once = self._operation(operation)
        if self._lambda_context is not None:
            config.register_lambda_context(self._lambda_context)
        try:
            stored = run_once(
                request={"user_id": user_id, "key": key, "payload": payload},
                work=lambda: work().model_dump(mode="json"),
            )
        except IdempotencyValidationError:
            raise InvalidRequestError(MISMATCH) from None
        except IdempotencyAlreadyInProgressError:
            raise ConflictError(IN_PROGRESS) from None
        return answer_type.model_validate(stored)

    def _operation(self, operation: str) -> tuple[Any, Callable[..., dict[str, Any]]]:
        """One config, persistence layer and decorated function per operation (each configures its own layer)."""
        if operation not in self._operations:
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            config = IdempotencyConfig(
                event_key_jmespath='["user_id", "key"]',
                payload_validation_jmespath="payload",
                expires_after_seconds=self._ttl_seconds,
            )
            persistence = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=self._dynamodb)

            @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools types it as untyped
                data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix=operation
            )
            def run_once(request: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
                return work()

            self._operations[operation] = (config, run_once)
        return self._operations[operation]


class IdempotentUseCase(Generic[Command, Answer]):
    """A use case `(user_id, command) -> answer` run at most once per (operation, caller, Idempotency-Key)."""

    def __init__(
        self,
        calls: IdempotentCalls,
        operation: str,
        use_case: Callable[[str, Command], Answer],
        answer_type: type[Answer],
    ) -> None:
        self._calls = calls
        self._operation = operation
        self._use_case = use_case
        self._answer_type = answer_type

    def __call__(self, user_id: str, command: Command, *, idempotency_key: str | None = None) -> Answer:
        if idempotency_key is None:
            return self._use_case(user_id, command)
        return self._calls.once(
            self._operation,
            user_id,
            idempotency_key,
            command.model_dump(mode="json"),
            lambda: self._use_case(user_id, command),
            self._answer_type,
        )


def idempotent(
    calls: IdempotentCalls, operation: str, answer_type: type[Answer]
) -> Callable[[Callable[[str, Command], Answer]], IdempotentUseCase[Command, Answer]]:
    """Decorate a use case so that a repeat of a keyed request gets the first answer (stored `answer_type`);
    `operation` is the stored key's prefix (`start-execution`, `retry-execution`)."""

    def decorate(use_case: Callable[[str, Command], Answer]) -> IdempotentUseCase[Command, Answer]:
        return IdempotentUseCase(calls, operation, use_case, answer_type)

    return decorate
