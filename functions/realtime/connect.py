"""WebSocket `$connect`: register the connection (its user from the authorizer's context, no subscription), or
refuse it when the user already holds the most connections: 429 with the reason (API Gateway then opens no
connection)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from realtime.routes import caller, connection_keys, reply, service
from workflow_engine.platform.observability import correlated, logger, tracer
from workflow_engine.realtime.subscriptions import error


@logger.inject_lambda_context
@correlated(connection_keys)
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    refused = service.connect(event.request_context.connection_id, caller(event))
    if refused:
        logger.info("connection refused", extra={"reason": refused})
        return reply(error(refused), status_code=429)
    return reply()
