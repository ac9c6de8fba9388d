"""The API's own origin, as the request reached it: where the URLs it answers (a trigger's) point."""

from __future__ import annotations

from typing import cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


def api_origin(router: Router) -> str:
    """`<scheme>://<host>`: API Gateway sets X-Forwarded-Proto (the local gateway too) and the Host is the API's
    domain (its requestContext.domainName when a client sent none)."""
    event = cast(APIGatewayProxyEventV2, router.current_event)
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    host = headers.get("host") or event.request_context.domain_name
    return f"{scheme}://{host}"
