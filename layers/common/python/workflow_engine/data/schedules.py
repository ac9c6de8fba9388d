"""The schedules table: one item per schedule, partitioned by "<user id>#<workflow id>" (platform/tables.py).

A workflow's schedules are one Query (never a Scan); a firing reads its schedule with one GetItem. The firing's
marks (`last_run_at`, `last_execution_id`, `last_skipped_at`) are UpdateItems on an item that still exists, so a
firing never brings a deleted schedule back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.models.schedules import ScheduleRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def owner_workflow(user_id: str, workflow_id: str) -> str:
    return f"{user_id}#{workflow_id}"


class ScheduleRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, record: ScheduleRecord, expected_updated_at: str | None = None) -> bool:
        """Create (`expected_updated_at` None: only if new) or replace the item if it is still the version read;
        False when that condition failed."""
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(schedule_id)"}
        if expected_updated_at is not None:
            condition = {
                "ConditionExpression": "updated_at = :expected",
                "ExpressionAttributeValues": {":expected": {"S": expected_updated_at}},
            }
        try:
            self._client.put_item(TableName=self._table, Item=to_item(_to_values(record)), **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, user_id: str, workflow_id: str, schedule_id: str) -> ScheduleRecord | None:
        response = self._client.get_item(TableName=self._table, Key=_key(user_id, workflow_id, schedule_id))
        item = response.get("Item")
        return _from_values(from_item(item)) if item else None

    def list(self, user_id: str, workflow_id: str) -> list[ScheduleRecord]:
        """Every schedule of the workflow (at most MAX_SCHEDULES_PER_WORKFLOW: one page of one Query)."""
        records: list[ScheduleRecord] = []
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "owner_workflow = :owner",
            "ExpressionAttributeValues": {":owner": {"S": owner_workflow(user_id, workflow_id)}},
        }
        while True:
            response = self._client.query(**arguments)
            records.extend(_from_values(from_item(item)) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return sorted(records, key=lambda record: record.created_at)
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete(self, user_id: str, workflow_id: str, schedule_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(user_id, workflow_id, schedule_id))

    def mark(self, user_id: str, workflow_id: str, schedule_id: str, **marks: str) -> None:
        """Set the firing's marks on a schedule that still exists (a deleted one stays deleted)."""
        names = {f"#{name}": name for name in marks}
        values = {f":{name}": {"S": value} for name, value in marks.items()}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(user_id, workflow_id, schedule_id),
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in marks),
                ConditionExpression="attribute_exists(schedule_id)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


def _key(user_id: str, workflow_id: str, schedule_id: str) -> dict[str, Any]:
    return to_item({"owner_workflow": owner_workflow(user_id, workflow_id), "schedule_id": schedule_id})


def _to_values(record: ScheduleRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json", exclude={"input_data"}, exclude_none=True)
    values["owner_workflow"] = owner_workflow(record.user_id, record.workflow_id)
    values["input_data"] = dump_json(record.input_data)
    return values


def _from_values(values: dict[str, Any]) -> ScheduleRecord:
    values.pop("owner_workflow", None)
    values["input_data"] = load_json(values.get("input_data"))
    return ScheduleRecord.model_validate(values)
