"""Connections and their subscriptions: what the WebSocket routes ($connect, $disconnect, subscribe,
unsubscribe, $default) do. Every reply is a message for the client (models/realtime.py).

A subscription to an execution or a workflow is accepted only when it is the caller's: one GetItem (the
workflow with the caller's key; the execution by id, then its owner compared). An unknown id and another
user's id get the same error, so nothing leaks.

Caps (so one user cannot grow the notifier's fan-out without bound): a user holds at most
`max_connections_per_user` open connections and a connection at most `max_subscriptions_per_connection`
subscriptions (the next subscribe gets an error naming the cap). `$connect` claims one of the user's connection
slots with a conditional write (data/connection_slots.py), so even a burst of simultaneous handshakes is held to
the cap exactly; with every slot held it refuses (HTTP 429 with the reason, no connection). `$disconnect` frees
the slot. Client frames are parsed by realtime/frames.py (bounded depth).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workflow_engine.data.connections import ConnectionRepository, SubscriptionChange
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.realtime import RealtimeErrorMessage, SubscriptionReply, SubscriptionRequest
from workflow_engine.platform.clock import utc_now
from workflow_engine.realtime.frames import MAX_DEPTH, TOO_DEEP, FrameRejected, nesting_depth, parse_frame

UNKNOWN_ACTION = 'Unknown action: send {"action": "subscribe"} or {"action": "unsubscribe"}, with an optional ' + (
    '"execution_id" or "workflow_id"'
)
EXECUTION_NOT_FOUND = "Execution not found"
WORKFLOW_NOT_FOUND = "Workflow not found"
CONNECTION_GONE = "This connection is no longer registered; reconnect"


def too_many_connections(cap: int) -> str:
    return f"Too many connections: a user may hold at most {cap} open WebSocket connections; close one first"


def too_many_subscriptions(cap: int) -> str:
    return (
        f"Too many subscriptions: a connection may hold at most {cap}; unsubscribe from one first, or subscribe "
        'to a whole workflow ({"action": "subscribe", "workflow_id": ...}) or to all ({"action": "subscribe"})'
    )


@dataclass(frozen=True)
class Caps:
    connections_per_user: int
    subscriptions_per_connection: int


def error(message: str) -> dict[str, Any]:
    return RealtimeErrorMessage(type="error", message=message).model_dump(mode="json")


def unrouted(body: str | None) -> dict[str, Any]:
    """The reply to a frame without a known action (`$default`): how to ask, or that it nests too deep."""
    return error(TOO_DEEP if body and nesting_depth(body) > MAX_DEPTH else UNKNOWN_ACTION)


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
        caps: Caps,
    ) -> None:
        self._connections = connections
        self._workflows = workflows
        self._executions = executions
        self._ttl = connection_ttl_seconds
        self.caps = caps

    def connect(self, connection_id: str, user_id: str) -> str | None:
        """Register the connection; the reason it is refused instead (the user holds the most connections)."""
        now = int(time.time())
        cap = self.caps.connections_per_user
        if not self._connections.open(connection_id, user_id, utc_now(), now, now + self._ttl, cap):
            return too_many_connections(cap)
        return None

    def disconnect(self, connection_id: str) -> None:
        self._connections.delete(connection_id)

    def handle(self, connection_id: str, user_id: str, body: str | None) -> dict[str, Any]:
        """A subscribe or unsubscribe message -> the reply for the client."""
        try:
            document = parse_frame(body)
        except FrameRejected as rejected:
            return error(str(rejected))
        try:
            request = SubscriptionRequest.model_validate(document)
        except ValidationError as exception:
            return error(validation_message(exception))
        subscribe = request.action == "subscribe"
        if subscribe:
            problem = self._not_owned(user_id, request)
            if problem:
                return error(problem)
        cap = self.caps.subscriptions_per_connection
        change = self._connections.change_subscription(connection_id, user_id, request.key, subscribe, cap)
        if change is SubscriptionChange.GONE:
            return error(CONNECTION_GONE)
        if change is SubscriptionChange.FULL:
            return error(too_many_subscriptions(cap))
        reply = SubscriptionReply(type="subscribed" if subscribe else "unsubscribed", **request.target())
        return reply.model_dump(mode="json", exclude_none=True)

    def _not_owned(self, user_id: str, request: SubscriptionRequest) -> str | None:
        if request.execution_id is not None:
            execution = self._executions.get(str(request.execution_id))
            return None if execution is not None and execution.user_id == user_id else EXECUTION_NOT_FOUND
        if request.workflow_id is not None:
            return None if self._workflows.get(user_id, str(request.workflow_id)) is not None else WORKFLOW_NOT_FOUND
        return None
