"""Connections and their subscriptions: what the WebSocket routes ($connect, $disconnect, subscribe,
unsubscribe, $default) do. Every reply is a message for the client (models/realtime.py).

A subscription to an execution or a workflow is accepted only when it is the caller's: one GetItem (the
workflow with the caller's key; the execution by id, then its owner compared). An unknown id and another
user's id get the same error, so nothing leaks.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import ValidationError

from workflow_engine.clock import utc_now
from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.realtime import RealtimeErrorMessage, SubscriptionReply, SubscriptionRequest

UNKNOWN_ACTION = 'Unknown action: send {"action": "subscribe"} or {"action": "unsubscribe"}, with an optional ' + (
    '"execution_id" or "workflow_id"'
)
NOT_JSON = "A message must be a JSON object"
EXECUTION_NOT_FOUND = "Execution not found"
WORKFLOW_NOT_FOUND = "Workflow not found"
CONNECTION_GONE = "This connection is no longer registered; reconnect"


def error(message: str) -> dict[str, Any]:
    return RealtimeErrorMessage(type="error", message=message).model_dump(mode="json")


def validation_message(exception: ValidationError) -> str:
    """The first problem, in a sentence: `field: reason`."""
    first = exception.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "message"
    return f"{where}: {first.get('msg', 'invalid')}"


class SubscriptionService:
    def __init__(
        self,
        connections: ConnectionRepository,
        workflows: WorkflowRepository,
        executions: ExecutionRepository,
        connection_ttl_seconds: int,
    ) -> None:
        self._connections = connections
        self._workflows = workflows
        self._executions = executions
        self._ttl = connection_ttl_seconds

    def connect(self, connection_id: str, user_id: str) -> None:
        self._connections.put(connection_id, user_id, utc_now(), int(time.time()) + self._ttl)

    def disconnect(self, connection_id: str) -> None:
        self._connections.delete(connection_id)

    def handle(self, connection_id: str, user_id: str, body: str | None) -> dict[str, Any]:
        """A subscribe or unsubscribe message -> the reply for the client."""
        try:
            document = json.loads(body or "")
        except ValueError:
            return error(NOT_JSON)
        if not isinstance(document, dict):
            return error(NOT_JSON)
        try:
            request = SubscriptionRequest.model_validate(document)
        except ValidationError as exception:
            return error(validation_message(exception))
        subscribe = request.action == "subscribe"
        if subscribe:
            problem = self._not_owned(user_id, request)
            if problem:
                return error(problem)
        if not self._connections.change_subscription(connection_id, user_id, request.key, subscribe):
            return error(CONNECTION_GONE)
        reply = SubscriptionReply(type="subscribed" if subscribe else "unsubscribed", **request.target())
        return reply.model_dump(mode="json", exclude_none=True)

    def _not_owned(self, user_id: str, request: SubscriptionRequest) -> str | None:
        if request.execution_id is not None:
            execution = self._executions.get(str(request.execution_id))
            return None if execution is not None and execution.user_id == user_id else EXECUTION_NOT_FOUND
        if request.workflow_id is not None:
            return None if self._workflows.get(user_id, str(request.workflow_id)) is not None else WORKFLOW_NOT_FOUND
        return None
