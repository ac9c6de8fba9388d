"""What every WebSocket route handler shares: the subscription service (built once per cold start) and the
reply API Gateway sends back to the client (routes with a route response)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent

from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.platform.aws import client
from workflow_engine.platform.realtime_settings import RealtimeSettings
from workflow_engine.realtime.subscriptions import Caps, SubscriptionService

settings = RealtimeSettings.from_env()
dynamodb = client("dynamodb")
service = SubscriptionService(
    ConnectionRepository(dynamodb, settings.connections_table),
    WorkflowRepository(dynamodb, settings.workflows_table),
    ExecutionRepository(dynamodb, settings.executions_table),
    connection_ttl_seconds=settings.connection_ttl_seconds,
    caps=Caps(settings.max_connections_per_user, settings.max_subscriptions_per_connection),
)


def caller(event: APIGatewayWebSocketEvent) -> str:
    """The user id the `$connect` authorizer put in the connection's context."""
    return event.request_context["authorizer"]["user_id"]


def connection_keys(event: dict[str, Any]) -> dict[str, Any]:
    """Log correlation: the connection's user (from the authorizer context)."""
    return {"user_id": ((event.get("requestContext") or {}).get("authorizer") or {}).get("user_id")}


def reply(message: dict[str, Any] | None = None, status_code: int = 200) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": status_code}
    if message is not None:
        response["body"] = json.dumps(message, separators=(",", ":"))
    return response
