"""Who is calling: the `sub` claim that the HTTP API JWT authorizer verified."""

from __future__ import annotations

from typing import cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


def caller_id(router: Router) -> str:
    event = cast(APIGatewayProxyEventV2, router.current_event)  # the HTTP API resolver's event (payload 2.0)
    return event.request_context.authorizer.jwt_claim["sub"]
