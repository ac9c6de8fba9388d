"""The notifications table: one item per webhook delivery, partitioned by "<user_id>#<execution_id>"."""

from __future__ import annotations

from typing import Any

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.models.notification import DeliveryRecord
from workflow_engine.platform.tables import owner_execution_key

MAX_DELIVERIES = 100  # per execution: one per terminal outcome, so a handful at most


class DeliveryRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, record: DeliveryRecord) -> None:
        values = record.model_dump(mode="json", exclude={"attempts"})
        values["attempts"] = dump_json([attempt.model_dump(mode="json") for attempt in record.attempts])
        values["owner_execution"] = owner_execution_key(record.user_id, record.execution_id)
        self._client.put_item(TableName=self._table, Item=to_item(values))

    def get(self, user_id: str, execution_id: str, delivery_id: str) -> DeliveryRecord | None:
        key = {"owner_execution": owner_execution_key(user_id, execution_id), "delivery_id": delivery_id}
        item = self._client.get_item(TableName=self._table, Key=to_item(key)).get("Item")
        return _from_values(from_item(item)) if item else None

    def query(self, user_id: str, execution_id: str) -> list[DeliveryRecord]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": "owner_execution"},
            ExpressionAttributeValues={":pk": {"S": owner_execution_key(user_id, execution_id)}},
            Limit=MAX_DELIVERIES,
        )
        records = [_from_values(from_item(item)) for item in response.get("Items", [])]
        return sorted(records, key=lambda record: record.created_at)


def _from_values(values: dict[str, Any]) -> DeliveryRecord:
    values["attempts"] = load_json(values.get("attempts")) or []
    return DeliveryRecord.model_validate(values)
