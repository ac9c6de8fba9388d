"""Domain errors -> HTTP status codes, in one place. Nothing here matches on message text."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as NoRouteError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel

from api.step_names import name_steps
from workflow_engine.models.errors import (
    ConflictError,
    DomainError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from workflow_engine.platform.observability import logger

STATUS_OF: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (ConflictError, HTTPStatus.CONFLICT),
    (InvalidRequestError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (PayloadTooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (ServiceUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
    (UnauthorizedError, HTTPStatus.UNAUTHORIZED),  # an inbound webhook's signature (the JWT's is API Gateway's)
    (UnsupportedMediaTypeError, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    (TooManyRequestsError, HTTPStatus.TOO_MANY_REQUESTS),
)


class ErrorMessage(BaseModel):
    """The body of every error answer but request validation (422 adds the validation `detail`)."""

    message: str


# What each error status means for any route; `responses(...)` documents a route's answers with them.
ERROR_DESCRIPTIONS = {
    HTTPStatus.UNAUTHORIZED: "No valid token (answered by the HTTP API's JWT authorizer)",
    HTTPStatus.NOT_FOUND: "Unknown id, or an id that belongs to another user",
    HTTPStatus.CONFLICT: "The resource's state does not allow this request",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The body or its input_data is too large (batch-get, compare: the answer)",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not JSON",
    HTTPStatus.SERVICE_UNAVAILABLE: "A dependency failed; nothing was left half-done: retry after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
NEXT_TOKEN = {
    "X-Next-Token": {"description": "Pass back as next_token for the next page", "schema": {"type": "string"}}
}


def responses(
    success: int, description: str, *errors: HTTPStatus, headers: dict[str, Any] | None = None
) -> dict[int, Any]:
    """OpenAPI `responses=` of a route: its success answer (schema from the return type) and its errors.

    401 and 503 are possible on every authorized route; 422 (validation) is added by the resolver itself.
    """
    documented: dict[int, Any] = {success: {"description": description, **({"headers": headers} if headers else {})}}
    for status in (HTTPStatus.UNAUTHORIZED, *errors, HTTPStatus.SERVICE_UNAVAILABLE):
        documented[status.value] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorMessage}},
            **({"headers": RETRY_AFTER} if status is HTTPStatus.SERVICE_UNAVAILABLE else {}),
        }
    return documented


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
        elif isinstance(error, TooManyRequestsError):
            headers["Retry-After"] = str(error.retry_after_seconds)
        elif isinstance(error, UnauthorizedError):
            logger.info("request refused", extra={"reason": str(error)})
        return _message(status, str(error), headers)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        return Response(
            status_code=HTTPStatus.UNPROCESSABLE_ENTITY.value,
            content_type=content_types.APPLICATION_JSON,
            body={"message": "Request validation failed", "detail": name_steps(_jsonable(error.errors()), _body(app))},
        )

    @app.exception_handler(NoRouteError)
    def _no_route(_: NoRouteError) -> Response:
        # API Gateway matched the route, but the resolver's own path matching is narrower (a path parameter
        # with characters such as '"' or U+FFFD matches none of its patterns): answer as API Gateway does
        # for a path it has no route for, not with the catch-all 503 below.
        return _message(HTTPStatus.NOT_FOUND, "Not Found")

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_content_type(_: RequestUnsupportedContentType) -> Response:
        return _message(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "The request body must be JSON (Content-Type: application/json)"
        )

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable_body(_: UnicodeDecodeError) -> Response:
        # Raised only where the resolver decodes a (binary, base64-encoded) request body as UTF-8.
        return _message(HTTPStatus.UNPROCESSABLE_ENTITY, "The request body is not valid UTF-8 JSON")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return _message(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "The service could not complete the request; retry later",
            {"Retry-After": "5"},
        )


def _body(app: APIGatewayHttpResolver) -> Any:
    """The request's JSON body, to name the steps of a 422 (None when there is none or it is not JSON)."""
    try:
        return app.current_event.json_body
    except ValueError:  # not JSON, not UTF-8 (api.request_body): those problems name no step
        return None


def _jsonable(errors: object) -> object:
    """Validation details without the raw `ctx` objects pydantic may attach (exceptions are not JSON)."""
    if isinstance(errors, (list, tuple)):
        return [_jsonable(item) for item in errors]
    if isinstance(errors, dict):
        return {key: _jsonable(value) for key, value in errors.items() if key != "url"}
    if isinstance(errors, (str, int, float, bool)) or errors is None:
        return errors
    return str(errors)
