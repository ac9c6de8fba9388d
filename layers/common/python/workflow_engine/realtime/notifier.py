"""The notifier: DynamoDB stream records of the executions and logs tables -> messages for the owner's
subscribed connections, posted through the WebSocket API's management API (ApiGatewayManagementApi).

Per record: 1 Query for the owner's connections (by-user index) + 1 PostToConnection per matching connection.
A connection that answers Gone is deleted and never retried. A message that would not fit in a WebSocket
message is sent without its input and output (`truncated`: true), never dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from workflow_engine.data import executions as execution_items
from workflow_engine.data import logs as log_items
from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.models.execution import ExecutionLogResponse, ExecutionStatusResponse
from workflow_engine.models.realtime import ExecutionMessage, LogMessage, subscription_keys
from workflow_engine.observability import bind_log_keys, logger

# API Gateway's WebSocket frame limit is 32 KB and its message limit 128 KB; a post may carry 128 KB.
MAX_MESSAGE_BYTES = 128 * 1024
BULKY_FIELDS = {"input_data", "output_data"}


@dataclass(frozen=True)
class Outgoing:
    user_id: str
    execution_id: str
    workflow_id: str
    message: dict[str, Any]


@dataclass
class Delivery:
    """What one record led to (for logs and tests)."""

    sent: int = 0
    gone: int = 0
    failed: int = 0


def _message(model: ExecutionMessage | LogMessage) -> dict[str, Any]:
    document = model.model_dump(mode="json")
    if not document["truncated"]:
        del document["truncated"]
    return document


def outgoing_message(record: dict[str, Any]) -> Outgoing | None:
    """The message a stream record stands for (None: nothing to say, e.g. an update that kept the status).

    Execution items (key `execution_id`): a message on insert and on every status change. Log items (keys
    `owner_execution` + `log_key`): a message on insert.
    """
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    new_image = change.get("NewImage")
    event_name = record.get("eventName")
    if not new_image or event_name not in ("INSERT", "MODIFY"):
        return None
    if "log_key" in keys:
        if event_name != "INSERT":
            return None
        log = log_items.record_from_item(new_image)
        message = LogMessage(type="log", execution_id=log.execution_id, log=ExecutionLogResponse.of(log))
        return Outgoing(log.user_id, log.execution_id, log.workflow_id, _message(message))
    if "execution_id" in keys:
        old_status = ((change.get("OldImage") or {}).get("status") or {}).get("S")
        if event_name == "MODIFY" and old_status == new_image.get("status", {}).get("S"):
            return None
        execution = execution_items.record_from_item(new_image)
        message = ExecutionMessage(type="execution", execution=ExecutionStatusResponse.of(execution))
        return Outgoing(execution.user_id, execution.execution_id, execution.workflow_id, _message(message))
    return None


def encode(message: dict[str, Any]) -> bytes:
    """The message as sent; without its bulky fields (and marked truncated) when it would not fit."""
    data = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) <= MAX_MESSAGE_BYTES:
        return data
    inner = "execution" if message["type"] == "execution" else "log"
    slim = {**message, inner: {k: v for k, v in message[inner].items() if k not in BULKY_FIELDS}, "truncated": True}
    return json.dumps(slim, separators=(",", ":"), ensure_ascii=False).encode()


class Notifier:
    def __init__(self, connections: ConnectionRepository, management_api: Any) -> None:
        self._connections = connections
        self._management = management_api

    def notify(self, record: dict[str, Any]) -> Delivery:
        """Send what one stream record stands for. Raises only when the record cannot be read or the owner's
        connections cannot be listed (the batch then reports it as failed and it is retried)."""
        delivery = Delivery()
        outgoing = outgoing_message(record)
        if outgoing is None:
            return delivery
        bind_log_keys(user_id=outgoing.user_id, execution_id=outgoing.execution_id, workflow_id=outgoing.workflow_id)
        wanted = subscription_keys(outgoing.execution_id, outgoing.workflow_id)
        targets = [c for c in self._connections.for_user(outgoing.user_id) if c.subscriptions & wanted]
        if not targets:
            return delivery
        data = encode(outgoing.message)
        for connection in targets:
            try:
                self._management.post_to_connection(ConnectionId=connection.connection_id, Data=data)
                delivery.sent += 1
            except ClientError as error:
                if error.response["Error"]["Code"] == "GoneException":
                    self._connections.delete(connection.connection_id)  # closed: never tried again
                    delivery.gone += 1
                else:  # the SDK already retried; one connection's failure never holds back the others
                    logger.warning("post to connection failed", extra={"error": str(error)})
                    delivery.failed += 1
            except BotoCoreError as error:
                logger.warning("post to connection failed", extra={"error": str(error)})
                delivery.failed += 1
        return delivery
