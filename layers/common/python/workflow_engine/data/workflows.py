"""The workflows table: one item per workflow, partitioned by its owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.data.query import KeyedQuery, Page, query_page
from workflow_engine.platform.tables import WORKFLOWS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from workflow_engine.models.workflow import WorkflowRecord


class WorkflowRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, record: WorkflowRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(_to_values(record)),
            ConditionExpression="attribute_not_exists(workflow_id)",
        )

    def get(self, user_id: str, workflow_id: str) -> WorkflowRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item({"user_id": user_id, "workflow_id": workflow_id})
        )
        item = response.get("Item")
        return _from_values(from_item(item)) if item else None

    def replace(self, record: WorkflowRecord, expected_version: int) -> bool:
        """Write the new version if the stored one is still `expected_version`; False if it moved on."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(_to_values(record)),
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete(self, user_id: str, workflow_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=to_item({"user_id": user_id, "workflow_id": workflow_id}))

    def list(
        self, user_id: str, limit: int, offset: int = 0, next_token: str | None = None
    ) -> tuple[list[WorkflowRecord], str | None]:
        query = KeyedQuery(
            table_name=self._table,
            partition_attribute=WORKFLOWS.partition_key,
            partition_value=user_id,
            key_attributes=WORKFLOWS.key_attributes(),
        )
        page: Page = query_page(self._client, query, limit=limit, offset=offset, next_token=next_token)
        return [_from_values(values) for values in page.items], page.next_token


def _to_values(record: WorkflowRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json", exclude={"steps", "input_example"})
    values["steps"] = dump_json([step.model_dump(mode="json") for step in record.steps])
    if record.input_example is not None:  # as JSON text, like the steps (any numbers, any nesting)
        values["input_example"] = dump_json(record.input_example)
    return values


def _from_values(values: dict[str, Any]) -> WorkflowRecord:
    # Imported on the first read: the workflow model and its step types stay off the execution API's cold start.
    from workflow_engine.models.workflow import WorkflowRecord

    values["steps"] = load_json(values["steps"])
    if isinstance(values.get("input_example"), str):
        values["input_example"] = load_json(values["input_example"])
    return WorkflowRecord.model_validate(values)
