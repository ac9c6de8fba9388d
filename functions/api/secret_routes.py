"""Routes of the secrets API: set, list and delete the caller's secrets. No route ever answers with a value."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from api.errors import responses
from api.identity import caller_id
from workflow_engine.models.secrets import SECRET_NAME_PATTERN, SecretSummary, SecretValue
from workflow_engine.secrets.service import SecretService

router = Router()

SecretName = Annotated[
    str, Path(description="Secret name: 1..64 of A-Z a-z 0-9 _ -", pattern=SECRET_NAME_PATTERN, max_length=64)
]


def _service() -> SecretService:
    return router.context["secrets"]


def _no_content_responses(description: str, *errors: HTTPStatus) -> dict[int, Any]:
    """`responses(204, ...)` documenting the 204 with no content at all (an empty `content`: Powertools would
    otherwise document a JSON null, which a client validating the answer cannot parse from an empty body)."""
    return {**responses(204, description, *errors), 204: {"description": description, "content": {}}}


def _no_content() -> Response[None]:
    # Powertools types the body as the documented schema's type (None: no content); the empty body it sends is a
    # str, which its Response accepts at run time (body: str | bytes | None).
    return Response(204, content_types.APPLICATION_JSON, "")  # type: ignore[arg-type]


@router.put(
    "/api/secrets/<name>",
    summary="Set (create or replace) one of your secrets",
    description=(
        "Stored in AWS Secrets Manager under your user id, encrypted with the stack's KMS key; never returned by "
        "any route. Steps reference it as `{{ secrets.NAME }}` (http url, headers, body; ai prompt). A value of "
        "0 or more than 65,536 characters (or bytes as UTF-8) is a 422 and nothing is stored."
    ),
    # 404: a name no route matches (with a '/' or characters outside a path segment), as API Gateway answers.
    responses=_no_content_responses("Stored", HTTPStatus.NOT_FOUND, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
)
def put_secret(name: SecretName, body: SecretValue) -> Response[None]:
    _service().set(caller_id(router), name, body.value.get_secret_value())
    return _no_content()


@router.get(
    "/api/secrets",
    summary="List your secrets: names and when each was last set, never values",
    responses=responses(200, "Your secrets, by name"),
)
def list_secrets() -> list[SecretSummary]:
    return _service().list(caller_id(router))


@router.delete(
    "/api/secrets/<name>",
    summary="Delete one of your secrets (at once, without a recovery window: the name can be set again)",
    responses=_no_content_responses("Deleted", HTTPStatus.NOT_FOUND),
)
def delete_secret(name: SecretName) -> Response[None]:
    _service().delete(caller_id(router), name)
    return _no_content()
