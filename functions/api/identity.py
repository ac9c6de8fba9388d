"""Who is calling: the `sub` claim that the HTTP API JWT authorizer verified."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router


def caller_id(router: Router) -> str:
    return router.current_event.request_context.authorizer.jwt_claim["sub"]
