"""WebSocket routes `subscribe` and `unsubscribe`: change the connection's subscriptions, reply to the client."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from realtime.routes import caller, connection_keys, reply, service
from workflow_engine.platform.observability import correlated, logger, tracer


@logger.inject_lambda_context
@correlated(connection_keys)
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    return reply(service.handle(event.request_context.connection_id, caller(event), event.decoded_body))
