"""Per-user connection slots: what keeps the per-user WebSocket connection cap exact under concurrency.

A user's cap of N connections is N slots, each its own item in the connections table, keyed
`slot#<user_id>#<k>` for k in [0, N) (in the table's partition key, `connection_id`; API Gateway's connection
ids never contain `#`). `$connect` claims one with a conditional PutItem that succeeds only when the slot is
free: no item, or its `expires_at` has passed (slots carry the connection items' TTL, so a connection that never
sent `$disconnect` frees its slot when its item expires, whether or not DynamoDB has deleted it yet). DynamoDB
applies each condition atomically, so however many handshakes race, a slot has one holder and at most N
connections are accepted. A connection item records its slot; deleting the connection releases the slot only
while it is still that connection's (a later holder of a slot whose time was up keeps it).

Slot items have no `user_id` attribute, so the by-user index (sparse: it holds only the items that have its
key) never lists them: the notifier's Query and every other reader of the index see connections only.

Lowering the cap leaves connections already in slots at or past the new cap open; they are not counted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_GET_LIMIT = 100  # keys per BatchGetItem


def slot_key(user_id: str, slot: int) -> str:
    return f"slot#{user_id}#{slot}"


def _conditional_check_failed(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class ConnectionSlots:
    client: DynamoDBClient
    table: str

    def claim(self, user_id: str, connection_id: str, cap: int, now: int, expires_at: int) -> int | None:
        """Take a free slot of the user's `cap` for the connection until `expires_at`: its number, or None when
        every slot is held. The slots read as free are tried in order, each with one conditional PutItem; one
        another handshake took meanwhile fails its condition and the next is tried."""
        for slot in self._free(user_id, cap, now):
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(
                        {"connection_id": slot_key(user_id, slot), "holder": connection_id, "expires_at": expires_at}
                    ),
                    ConditionExpression="attribute_not_exists(#id) OR #expires_at < :now",
                    ExpressionAttributeNames={"#id": "connection_id", "#expires_at": "expires_at"},
                    ExpressionAttributeValues={":now": {"N": str(now)}},
                )
            except ClientError as error:
                if not _conditional_check_failed(error):
                    raise
                continue
            return slot
        return None

    def release(self, user_id: str, slot: int, connection_id: str) -> None:
        """Free the slot if the connection still holds it (one conditional DeleteItem)."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=to_item({"connection_id": slot_key(user_id, slot)}),
                ConditionExpression="#holder = :holder",
                ExpressionAttributeNames={"#holder": "holder"},
                ExpressionAttributeValues={":holder": {"S": connection_id}},
            )
        except ClientError as error:
            if not _conditional_check_failed(error):
                raise

    def _free(self, user_id: str, cap: int, now: int) -> list[int]:
        """The slots not read as held (strongly consistent BatchGetItem, 100 keys a call), in order: a user at
        the cap costs reads, not failed writes. The read only orders the attempts (the conditional put decides),
        so a key DynamoDB leaves unprocessed counts as free."""
        held: set[int] = set()
        for start in range(0, cap, BATCH_GET_LIMIT):
            keys = [
                to_item({"connection_id": slot_key(user_id, slot)})
                for slot in range(start, min(cap, start + BATCH_GET_LIMIT))
            ]
            response = self.client.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": keys,
                        "ConsistentRead": True,
                        "ProjectionExpression": "#id, #expires_at",
                        "ExpressionAttributeNames": {"#id": "connection_id", "#expires_at": "expires_at"},
                    }
                }
            )
            for item in response.get("Responses", {}).get(self.table, []):
                values: dict[str, Any] = from_item(item)
                if values["expires_at"] >= now:
                    held.add(int(values["connection_id"].rsplit("#", 1)[1]))
        return [slot for slot in range(cap) if slot not in held]
