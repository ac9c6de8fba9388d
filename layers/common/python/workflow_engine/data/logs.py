"""The execution logs table: one item per step attempt, partitioned by "<user_id>#<execution_id>".

Because the owner is part of the partition key, a user's query can only ever reach their own logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.models.execution import LogRecord

JSON_FIELDS = ("input_data", "output_data")


def owner_execution_key(user_id: str, execution_id: str) -> str:
    return f"{user_id}#{execution_id}"


@dataclass(frozen=True)
class LogFilter:
    step_type: str | None = None
    step_name: str | None = None
    has_error: bool | None = None


class LogRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, record: LogRecord) -> None:
        values = record.model_dump(mode="json")
        for name in JSON_FIELDS:
            values[name] = dump_json(values[name]) if values[name] is not None else None
        values["owner_execution"] = owner_execution_key(record.user_id, record.execution_id)
        values["log_key"] = f"{record.timestamp}#{record.id}"
        self._client.put_item(TableName=self._table, Item=to_item(values))

    def query(self, user_id: str, execution_id: str, filters: LogFilter, limit: int) -> list[LogRecord]:
        """Oldest first, up to `limit` matching items (one Query per page read)."""
        names: dict[str, str] = {"#pk": "owner_execution"}
        values: dict[str, Any] = {":pk": {"S": owner_execution_key(user_id, execution_id)}}
        conditions: list[str] = []
        if filters.step_type is not None:
            names["#step_type"] = "step_type"
            values[":step_type"] = {"S": filters.step_type}
            conditions.append("#step_type = :step_type")
        if filters.step_name is not None:
            names["#step_name"] = "step_name"
            values[":step_name"] = {"S": filters.step_name}
            conditions.append("#step_name = :step_name")
        if filters.has_error is not None:
            names["#error"] = "error_message"
            conditions.append("attribute_exists(#error)" if filters.has_error else "attribute_not_exists(#error)")
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": True,
        }
        if conditions:
            params["FilterExpression"] = " AND ".join(conditions)
        else:
            params["Limit"] = limit
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            response = self._client.query(**params)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [_from_values(from_item(item)) for item in items[:limit]]


def record_from_item(item: dict[str, Any]) -> LogRecord:
    """An item of the table (DynamoDB JSON, as a Query or a stream image has it) as a record."""
    return _from_values(from_item(item))


def _from_values(values: dict[str, Any]) -> LogRecord:
    for name in JSON_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = load_json(values[name])
    return LogRecord.model_validate(values)
