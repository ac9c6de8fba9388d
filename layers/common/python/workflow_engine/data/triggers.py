"""The triggers table's trigger items (sk "trigger"): one per inbound webhook trigger.

Read by id (the inbound call: one GetItem) and listed per workflow (one Query on the sparse by_user_workflow
index, bounded by the per-workflow cap). The secret is stored only as its KMS ciphertext (data.trigger_secrets).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item
from workflow_engine.models.triggers import TriggerRecord
from workflow_engine.platform.tables import TRIGGERS_BY_USER_WORKFLOW

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TRIGGER_SK = "trigger"
CONDITION_FAILED = "ConditionalCheckFailedException"


def _user_workflow(user_id: str, workflow_id: str) -> str:
    return f"{user_id}#{workflow_id}"


class TriggerRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, record: TriggerRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(_to_values(record)),
            ConditionExpression="attribute_not_exists(trigger_id)",
        )

    def get(self, trigger_id: str) -> TriggerRecord | None:
        """The trigger, whoever owns it (the inbound call has no caller: its signature is checked next)."""
        response = self._client.get_item(
            TableName=self._table, Key=to_item({"trigger_id": trigger_id, "sk": TRIGGER_SK}), ConsistentRead=True
        )
        item = response.get("Item")
        return _from_values(from_item(item)) if item else None

    def list_for_workflow(self, user_id: str, workflow_id: str, limit: int) -> list[TriggerRecord]:
        """The workflow's triggers, oldest first (at most `limit`: the per-workflow cap)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=TRIGGERS_BY_USER_WORKFLOW.name,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": TRIGGERS_BY_USER_WORKFLOW.partition_key},
            ExpressionAttributeValues={":pk": {"S": _user_workflow(user_id, workflow_id)}},
            Limit=limit,
        )
        return [_from_values(from_item(item)) for item in response.get("Items", [])]

    def delete(self, user_id: str, workflow_id: str, trigger_id: str) -> bool:
        """Delete the trigger if it is this user's and this workflow's (False: it is not, or is gone)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_item({"trigger_id": trigger_id, "sk": TRIGGER_SK}),
                ConditionExpression="#uw = :uw",
                ExpressionAttributeNames={"#uw": TRIGGERS_BY_USER_WORKFLOW.partition_key},
                ExpressionAttributeValues={":uw": {"S": _user_workflow(user_id, workflow_id)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == CONDITION_FAILED:
                return False
            raise
        return True


def _to_values(record: TriggerRecord) -> dict[str, Any]:
    return {
        "trigger_id": record.trigger_id,
        "sk": TRIGGER_SK,
        "user_workflow": _user_workflow(record.user_id, record.workflow_id),
        "user_id": record.user_id,
        "workflow_id": record.workflow_id,
        "created_at": record.created_at.isoformat(),
        "secret_ciphertext": record.secret_ciphertext,
    }


def _from_values(values: dict[str, Any]) -> TriggerRecord:
    return TriggerRecord(
        trigger_id=values["trigger_id"],
        user_id=values["user_id"],
        workflow_id=values["workflow_id"],
        created_at=datetime.fromisoformat(values["created_at"]),
        secret_ciphertext=bytes(values["secret_ciphertext"]),
    )
