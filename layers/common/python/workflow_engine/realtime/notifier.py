"""The notifier: DynamoDB stream records of the executions and logs tables -> messages for the owner's
subscribed connections, posted through the WebSocket API's management API (ApiGatewayManagementApi).

Per record: 1 Query for the owner's connections (by-user index) + 1 PostToConnection per matching connection.
A connection that answers Gone is deleted and never retried. A message that would not fit in a WebSocket
message is sent without its input and output (`truncated`: true), never dropped.

A batch is handled in two passes so that one user's fan-out never delays another's messages: first each
record's targets are listed (`plan`: the Query, in record order), then every post of the batch goes through
one bounded thread pool (`deliver`): one task per connection posting its messages in order (stopping at
Gone), the tasks interleaved across owners (each owner's first connection, then each one's second...), each
post bounded by the management client's timeouts. A user's fan-out is itself bounded by the caps on
connections and subscriptions (realtime/subscriptions.py).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, zip_longest
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from workflow_engine.data import executions as execution_items
from workflow_engine.data import logs as log_items
from workflow_engine.data.approvals import started_waiting
from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.models.execution import ExecutionLogResponse, ExecutionStatusResponse
from workflow_engine.models.realtime import ApprovalMessage, ExecutionMessage, LogMessage, subscription_keys
from workflow_engine.platform.observability import bind_log_keys, logger

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient

# API Gateway's WebSocket frame limit is 32 KB and its message limit 128 KB; a post may carry 128 KB.
MAX_MESSAGE_BYTES = 128 * 1024
BULKY_FIELDS = {"input_data", "output_data"}
POST_THREAD_PREFIX = "notifier-post"  # the names of the post pool's threads (bench/realtime.py counts their calls)


@dataclass(frozen=True)
class Outgoing:
    user_id: str
    execution_id: str
    workflow_id: str
    message: dict[str, Any]


@dataclass
class Delivery:
    """What a record (or a batch) led to (for logs and tests)."""

    sent: int = 0
    gone: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Fanout:
    """One record's message, its owner and the owner's connections to post it to."""

    user_id: str
    data: bytes
    connection_ids: tuple[str, ...] = field(default_factory=tuple)


def per_connection(fanouts: list[Fanout]) -> list[tuple[str, list[bytes]]]:
    """The batch's posts as one task per connection (its messages in record order, so a connection receives
    them in order), the tasks round-robin across owners: every owner's first connection comes before any
    owner's second, so one owner's many connections never queue ahead of another owner's."""
    by_owner: dict[str, dict[str, list[bytes]]] = {}
    for fanout in fanouts:
        owned = by_owner.setdefault(fanout.user_id, {})
        for connection_id in fanout.connection_ids:
            owned.setdefault(connection_id, []).append(fanout.data)
    rounds = zip_longest(*[list(owned.items()) for owned in by_owner.values()])
    return [task for task in chain.from_iterable(rounds) if task is not None]


def _message(model: ExecutionMessage | LogMessage) -> dict[str, Any]:
    document = model.model_dump(mode="json")
    if not document["truncated"]:
        del document["truncated"]
    return document


def outgoing_message(record: dict[str, Any]) -> Outgoing | None:
    """The message a stream record stands for (None: nothing to say, e.g. an update that kept the status).

    Execution items (key `execution_id`): a message on insert and on every status change, and an `approval`
    message when an approval step starts waiting (its wait appears on a running item). Log items (keys
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
            return _approval_message(change.get("OldImage"), new_image)
        execution = execution_items.record_from_item(new_image)
        update = ExecutionMessage(type="execution", execution=ExecutionStatusResponse.of(execution))
        return Outgoing(execution.user_id, execution.execution_id, execution.workflow_id, _message(update))
    return None


def _approval_message(old_image: dict[str, Any] | None, new_image: dict[str, Any]) -> Outgoing | None:
    """An update that kept the status: a message if it started a wait (one wait is stored per write)."""
    started = started_waiting(old_image, new_image)
    if not started:
        return None
    step_name, wait = started[0]
    execution = execution_items.record_from_item(new_image)
    message = ApprovalMessage(
        type="approval", execution_id=execution.execution_id, step_name=step_name, message=wait.message
    )
    return Outgoing(execution.user_id, execution.execution_id, execution.workflow_id, message.model_dump(mode="json"))


def encode(message: dict[str, Any]) -> bytes:
    """The message as sent; without its bulky fields (and marked truncated) when it would not fit."""
    data = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) <= MAX_MESSAGE_BYTES:
        return data
    inner = "execution" if message["type"] == "execution" else "log"
    slim = {**message, inner: {k: v for k, v in message[inner].items() if k not in BULKY_FIELDS}, "truncated": True}
    return json.dumps(slim, separators=(",", ":"), ensure_ascii=False).encode()


class Notifier:
    def __init__(
        self,
        connections: ConnectionRepository,
        management_api: ApiGatewayManagementApiClient,
        concurrency: int = 16,
    ) -> None:
        self._connections = connections
        self._management = management_api
        self._concurrency = concurrency
        self._pool: ThreadPoolExecutor | None = None  # made on the first post, kept for the environment's life

    def plan(self, record: dict[str, Any]) -> Fanout | None:
        """What one stream record stands for and to which connections (None: nothing to send). Raises only when
        the record cannot be read or the owner's connections cannot be listed (the batch then reports it as
        failed and it is retried)."""
        outgoing = outgoing_message(record)
        if outgoing is None:
            return None
        bind_log_keys(user_id=outgoing.user_id, execution_id=outgoing.execution_id, workflow_id=outgoing.workflow_id)
        wanted = subscription_keys(outgoing.execution_id, outgoing.workflow_id)
        targets = tuple(
            c.connection_id for c in self._connections.for_user(outgoing.user_id) if c.subscriptions & wanted
        )
        return Fanout(outgoing.user_id, encode(outgoing.message), targets) if targets else None

    def deliver(self, fanouts: list[Fanout]) -> Delivery:
        """Post every planned message, connections concurrently (at most `concurrency` at once), each
        connection's messages in order and none after it answered Gone; never raises."""
        tasks = per_connection(fanouts)
        delivery = Delivery()
        if not tasks:
            return delivery
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix=POST_THREAD_PREFIX)
        outcomes = list(chain.from_iterable(self._pool.map(lambda task: self._post_in_order(*task), tasks)))
        delivery.sent = outcomes.count("sent")
        delivery.gone = outcomes.count("gone")
        delivery.failed = outcomes.count("failed")
        return delivery

    def notify(self, record: dict[str, Any]) -> Delivery:
        """Plan and deliver one record."""
        fanout = self.plan(record)
        return self.deliver([fanout] if fanout else [])

    def _post_in_order(self, connection_id: str, messages: list[bytes]) -> list[str]:
        outcomes: list[str] = []
        for data in messages:
            outcomes.append(self._post(connection_id, data))
            if outcomes[-1] == "gone":
                break
        return outcomes

    def _post(self, connection_id: str, data: bytes) -> str:
        try:
            self._management.post_to_connection(ConnectionId=connection_id, Data=data)
            return "sent"
        except ClientError as error:
            if error.response["Error"]["Code"] == "GoneException":
                return self._forget(connection_id)
            # one connection's failure never holds back the others; the message is not retried
            logger.warning("post to connection failed", extra={"error": str(error)})
        except BotoCoreError as error:  # a time-out included
            logger.warning("post to connection failed", extra={"error": str(error)})
        return "failed"

    def _forget(self, connection_id: str) -> str:
        """A closed connection: its item is deleted, so it is never posted to again."""
        try:
            self._connections.delete(connection_id)
        except (ClientError, BotoCoreError) as error:  # the TTL removes it anyway
            logger.warning("deleting a gone connection failed", extra={"error": str(error)})
        return "gone"
