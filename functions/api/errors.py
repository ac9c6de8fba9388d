"""Domain errors -> HTTP status codes, in one place. Nothing here matches on message text."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError

from workflow_engine.errors import (
    ConflictError,
    DomainError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from workflow_engine.observability import logger

STATUS_OF: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (ConflictError, HTTPStatus.CONFLICT),
    (InvalidRequestError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (PayloadTooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (ServiceUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
)


def _message(status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status.value,
        content_type=content_types.APPLICATION_JSON,
        body={"message": message},
        headers=headers or {},
    )


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        status = next((code for kind, code in STATUS_OF if isinstance(error, kind)), HTTPStatus.BAD_REQUEST)
        headers = {}
        if isinstance(error, ServiceUnavailableError):
            headers["Retry-After"] = str(error.retry_after_seconds)
            logger.warning("dependency unavailable", extra={"reason": str(error)})
        return _message(status, str(error), headers)

    @app.exception_handler(IdempotencyValidationError)
    def _idempotency_mismatch(_: IdempotencyValidationError) -> Response:
        return _message(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "Idempotency-Key was already used with a different request body",
        )

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        return Response(
            status_code=HTTPStatus.UNPROCESSABLE_ENTITY.value,
            content_type=content_types.APPLICATION_JSON,
            body={"message": "Request validation failed", "detail": _jsonable(error.errors())},
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return _message(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "The service could not complete the request; retry later",
            {"Retry-After": "5"},
        )


def _jsonable(errors: object) -> object:
    """Validation details without the raw `ctx` objects pydantic may attach (exceptions are not JSON)."""
    if isinstance(errors, (list, tuple)):
        return [_jsonable(item) for item in errors]
    if isinstance(errors, dict):
        return {key: _jsonable(value) for key, value in errors.items() if key != "url"}
    if isinstance(errors, (str, int, float, bool)) or errors is None:
        return errors
    return str(errors)
