"""The triggers table's short-lived items: inbound deliveries (replays) and rate-limit windows. Both expire (TTL).

- `DeliveryLedger.claim`: a conditional PutItem of "delivery#<id>" naming the execution it will start; of two
  deliveries with the same id, concurrent or not, exactly one claims it, and the other reads the execution id the
  first named. `release` forgets a claim whose start failed, so the sender's retry can start it.
- `RateWindows.take`: one conditional UpdateItem counting a call in the current window ("rate#<window start>"):
  refused (False) once the window holds `limit` calls. A fixed window per trigger: at most `limit` starts in any
  window, 2 x `limit` across a window's edge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CONDITION_FAILED = "ConditionalCheckFailedException"


class DeliveryLedger:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, trigger_id: str, delivery_id: str, execution_id: str, expires_at: int) -> str | None:
        """Claim the delivery for `execution_id`: None when claimed, else the execution id an earlier claim named."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "trigger_id": trigger_id,
                        "sk": f"delivery#{delivery_id}",
                        "execution_id": execution_id,
                        "expires_at": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(sk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            item = error.response.get("Item")
            if isinstance(item, dict) and item:
                return str(from_item(item)["execution_id"])
            return self._stored(trigger_id, delivery_id)
        return None

    def _stored(self, trigger_id: str, delivery_id: str) -> str:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"trigger_id": trigger_id, "sk": f"delivery#{delivery_id}"}),
            ConsistentRead=True,
        )
        return str(from_item(response["Item"])["execution_id"])

    def release(self, trigger_id: str, delivery_id: str, execution_id: str) -> None:
        """Forget a claim (its start failed): only the claim that named `execution_id`."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_item({"trigger_id": trigger_id, "sk": f"delivery#{delivery_id}"}),
                ConditionExpression="execution_id = :execution",
                ExpressionAttributeValues={":execution": {"S": execution_id}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise


class RateWindows:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def take(self, trigger_id: str, window_start: int, limit: int, expires_at: int) -> bool:
        """Count one call in the window starting at `window_start` (Unix seconds); False: the window is full."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"trigger_id": trigger_id, "sk": f"rate#{window_start}"}),
                UpdateExpression="ADD #hits :one SET #expires = :expires",
                ConditionExpression="attribute_not_exists(#hits) OR #hits < :limit",
                ExpressionAttributeNames={"#hits": "hits", "#expires": "expires_at"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(expires_at)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return False
        return True
