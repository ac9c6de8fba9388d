"""The inbound webhook route: POST /api/hooks/{trigger_id}, without a token (the signature is the credential)."""

from __future__ import annotations

import base64
from http import HTTPStatus
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from api.errors import ErrorMessage, responses
from workflow_engine.models.execution import WebhookAccepted
from workflow_engine.models.triggers import CLOCK_TOLERANCE_SECONDS
from workflow_engine.triggers.inbound import InboundCall, ReceiveWebhook

router = Router()

# Documented only (the route reads the raw body and headers itself: the signature covers the exact bytes; the body
# is documented by api.openapi, since declaring it here would have the resolver parse it before the signature).
SIGNATURE = Header(
    alias="X-Signature-256",
    description='sha256=<hex HMAC-SHA256, keyed with the trigger\'s secret, of "<X-Timestamp>.<raw body>">',
)
TIMESTAMP = Header(
    alias="X-Timestamp", description=f"Unix seconds; refused when more than {CLOCK_TOLERANCE_SECONDS} s off"
)
DELIVERY = Header(
    alias="X-Delivery-Id",
    description="1..128 printable ASCII characters: a repeat answers the first run and starts nothing "
    "(default: the signature, so the same signed request starts one run)",
)


def _receive() -> ReceiveWebhook:
    return router.context["receive"]


def _raw_body(event: APIGatewayProxyEventV2) -> bytes:
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogateescape")


def _documented(*errors: HTTPStatus) -> dict[int, Any]:
    documented = responses(202, "Started (or, replayed, the run this delivery started before)", *errors)
    documented[HTTPStatus.UNAUTHORIZED.value]["description"] = (
        "The signature or timestamp is missing, stale or does not match (not a token: this route takes none)"
    )
    documented[HTTPStatus.TOO_MANY_REQUESTS.value] = {
        "description": "The trigger's rate limit: retry after Retry-After seconds",
        "content": {content_types.APPLICATION_JSON: {"model": ErrorMessage}},
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
    return documented


@router.post(
    "/api/hooks/<trigger_id>",
    summary="Start a trigger's workflow: a signed JSON call from another system (no token)",
    description=(
        "The JSON object body becomes the run's input_data. Authenticated by X-Signature-256 over "
        '"<X-Timestamp>.<body>" with the trigger\'s secret (README "Inbound webhooks"). An unknown or deleted '
        "trigger is 404; a bad or stale signature 401; a repeated X-Delivery-Id answers the first run."
    ),
    security=[{}],  # no token: the signature is verified in the function
    responses=_documented(HTTPStatus.NOT_FOUND, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
)
def receive_webhook(
    trigger_id: Annotated[str, Path(description="Trigger id (UUID)", max_length=64)],
    x_signature_256: Annotated[str | None, SIGNATURE] = None,
    x_timestamp: Annotated[str | None, TIMESTAMP] = None,
    x_delivery_id: Annotated[str | None, DELIVERY] = None,
) -> Response[WebhookAccepted]:
    event = cast(APIGatewayProxyEventV2, router.current_event)
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    accepted = _receive()(InboundCall(trigger_id=trigger_id, headers=headers, body=_raw_body(event)))
    return Response(HTTPStatus.ACCEPTED.value, content_types.APPLICATION_JSON, accepted)
