"""The connections table (real-time channel): one item per open WebSocket connection.

An item holds the connection id, its user, its subscriptions (a string set: `all`, `execution:<id>`,
`workflow:<id>`) and `expires_at` (epoch seconds, the table's TTL attribute). The notifier lists a user's
connections with one Query on the by-user index; nothing ever scans the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item
from workflow_engine.tables import CONNECTIONS_BY_USER


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str
    subscriptions: frozenset[str] = field(default_factory=frozenset)


class ConnectionRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, connection_id: str, user_id: str, connected_at: str, expires_at: int) -> None:
        item = {
            "connection_id": connection_id,
            "user_id": user_id,
            "connected_at": connected_at,
            "expires_at": expires_at,
        }
        self._client.put_item(TableName=self._table, Item=to_item(item))

    def delete(self, connection_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=to_item({"connection_id": connection_id}))

    def change_subscription(self, connection_id: str, user_id: str, key: str, subscribe: bool) -> bool:
        """Add (or remove) one subscription of the user's own connection; False when it is not theirs or gone."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"connection_id": connection_id}),
                UpdateExpression=("ADD" if subscribe else "DELETE") + " #subscriptions :key",
                ConditionExpression="#user_id = :user_id",
                ExpressionAttributeNames={"#subscriptions": "subscriptions", "#user_id": "user_id"},
                ExpressionAttributeValues={":key": {"SS": [key]}, ":user_id": {"S": user_id}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

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
