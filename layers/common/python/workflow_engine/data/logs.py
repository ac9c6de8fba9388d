"""The execution logs table: one item per step attempt, partitioned by "<user_id>#<execution_id>".

Because the owner is part of the partition key, a user's query can only ever reach their own logs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.models.execution import LogRecord

JSON_FIELDS = ("input_data", "output_data")
BATCH_WRITE_MAX = 25
BATCH_WRITE_ATTEMPTS = 5


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
        self._client.put_item(TableName=self._table, Item=_to_item(record))

    def put_many(self, records: list[LogRecord]) -> None:
        """BatchWriteItem, 25 items a call; unprocessed items are sent again (with a short back-off)."""
        for start in range(0, len(records), BATCH_WRITE_MAX):
            requests = [{"PutRequest": {"Item": _to_item(r)}} for r in records[start : start + BATCH_WRITE_MAX]]
            for attempt in range(BATCH_WRITE_ATTEMPTS):
                response = self._client.batch_write_item(RequestItems={self._table: requests})
                requests = response.get("UnprocessedItems", {}).get(self._table, [])
                if not requests:
                    break
                time.sleep(0.05 * 2**attempt)
            if requests:
                raise RuntimeError(
                    f"{len(requests)} log item(s) could not be written after {BATCH_WRITE_ATTEMPTS} tries"
                )

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


def _to_item(record: LogRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json")
    for name in JSON_FIELDS:
        values[name] = dump_json(values[name]) if values[name] is not None else None
    values["owner_execution"] = owner_execution_key(record.user_id, record.execution_id)
    values["log_key"] = f"{record.timestamp}#{record.id}"
    return to_item(values)


def _from_values(values: dict[str, Any]) -> LogRecord:
    for name in JSON_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = load_json(values[name])
    return LogRecord.model_validate(values)
