"""The connections table (real-time channel): one item per open WebSocket connection.

An item holds the connection id, its user, its subscriptions (a string set: `all`, `execution:<id>`,
`workflow:<id>`), `expires_at` (epoch seconds, the table's TTL attribute) and `slot`, the per-user slot it holds:
the per-user cap is kept by slot items in the same table (data/connection_slots.py), which the by-user index
never lists. The notifier lists a user's connections with one Query on the by-user index; nothing ever scans
the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from workflow_engine.data.codec import from_item, to_item
from workflow_engine.data.connection_slots import ConnectionSlots
from workflow_engine.platform.tables import CONNECTIONS_BY_USER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str
    subscriptions: frozenset[str] = field(default_factory=frozenset)


class SubscriptionChange(Enum):
    DONE = "done"
    GONE = "gone"  # no such connection, or not the caller's
    FULL = "full"  # the connection already holds the most subscriptions it may


class ConnectionRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._slots = ConnectionSlots(client, table_name)

    def open(self, connection_id: str, user_id: str, connected_at: str, now: int, expires_at: int, cap: int) -> bool:
        """Register the connection in one of the user's `cap` slots (data/connection_slots.py); False, and
        nothing written, when every slot is held. The item records its slot, which deleting it releases."""
        slot = self._slots.claim(user_id, connection_id, cap, now, expires_at)
        if slot is None:
            return False
        item = {
            "connection_id": connection_id,
            "user_id": user_id,
            "connected_at": connected_at,
            "expires_at": expires_at,
            "slot": slot,
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_item(item))
        except (ClientError, BotoCoreError):
            self._slots.release(user_id, slot, connection_id)
            raise
        return True

    def delete(self, connection_id: str) -> None:
        """Forget the connection and release its slot (if it still holds it)."""
        response = self._client.delete_item(
            TableName=self._table, Key=to_item({"connection_id": connection_id}), ReturnValues="ALL_OLD"
        )
        old = from_item(response.get("Attributes") or {})
        if "slot" in old:
            self._slots.release(old["user_id"], old["slot"], connection_id)

    def change_subscription(
        self, connection_id: str, user_id: str, key: str, subscribe: bool, max_subscriptions: int
    ) -> SubscriptionChange:
        """Add (or remove) one subscription of the user's own connection, in one conditional UpdateItem: a new
        subscription is added only while the connection holds fewer than `max_subscriptions` (one already held
        is always fine)."""
        condition = "#user_id = :user_id"
        values: dict[str, Any] = {":key": {"SS": [key]}, ":user_id": {"S": user_id}}
        if subscribe:
            condition += " AND (attribute_not_exists(#subscriptions) OR size(#subscriptions) < :max"
            condition += " OR contains(#subscriptions, :one))"
            values |= {":max": {"N": str(max_subscriptions)}, ":one": {"S": key}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"connection_id": connection_id}),
                UpdateExpression=("ADD" if subscribe else "DELETE") + " #subscriptions :key",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#subscriptions": "subscriptions", "#user_id": "user_id"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old_item: Any = error.response.get("Item") or {}  # ReturnValuesOnConditionCheckFailure: the item as it was
            old = from_item(old_item)
            return SubscriptionChange.FULL if old.get("user_id") == user_id else SubscriptionChange.GONE
        return SubscriptionChange.DONE

    def for_user(self, user_id: str) -> list[Connection]:
        """Every open connection of the user (one Query on the by-user index; more pages only past 1 MB)."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": CONNECTIONS_BY_USER.name,
            "KeyConditionExpression": "#user_id = :user_id",
            "ExpressionAttributeNames": {"#user_id": "user_id"},
            "ExpressionAttributeValues": {":user_id": {"S": user_id}},
        }
        connections: list[Connection] = []
        while True:
            response = self._client.query(**params)
            for item in response.get("Items", []):
                values = from_item(item)
                connections.append(
                    Connection(
                        connection_id=values["connection_id"],
                        user_id=values["user_id"],
                        subscriptions=frozenset(values.get("subscriptions") or ()),
                    )
                )
            if "LastEvaluatedKey" not in response:
                return connections
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
