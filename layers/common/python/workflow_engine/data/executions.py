"""The executions table: one item per execution; indexes by user, user+workflow and user+status.

Every status change is a conditional update whose condition is the lifecycle's (workflow_engine.models.lifecycle), so a
late writer never overwrites a terminal status.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.data.query import KeyedQuery, query_page
from workflow_engine.models.execution import ExecutionRecord
from workflow_engine.models.lifecycle import ExecutionStatus, allowed_from, user_status_key
from workflow_engine.models.run_trigger import TriggerType
from workflow_engine.models.time_range import TimeRange
from workflow_engine.platform.tables import (
    EXECUTIONS,
    EXECUTIONS_BY_PARENT,
    EXECUTIONS_BY_STATUS,
    EXECUTIONS_BY_USER,
    EXECUTIONS_BY_WORKFLOW,
    Index,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

JSON_FIELDS = ("input_data", "output_data")
# BatchGetItem reads at most 100 keys per call.
BATCH_GET_KEYS = 100
# Unprocessed keys (throttling, or a response over 16 MB) are asked for again this many times, backing off
# exponentially with full jitter between tries (0.05 s, 0.1 s ... 0.8 s at most), then the read fails.
BATCH_GET_RETRIES = 5
BATCH_GET_BASE_DELAY_SECONDS = 0.05


class UnprocessedKeysError(Exception):
    """Some keys were still unprocessed after every retry."""


def user_workflow_key(user_id: str, workflow_id: str) -> str:
    return f"{user_id}#{workflow_id}"


def user_parent_key(user_id: str, parent_execution_id: str) -> str:
    """The by-parent index key of a child execution (written by the parent's machine: asl.child)."""
    return f"{user_id}#{parent_execution_id}"


class ExecutionRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, record: ExecutionRecord) -> None:
        values = _to_values(record)
        values["user_status"] = user_status_key(record.user_id, record.status)
        values["user_workflow"] = user_workflow_key(record.user_id, record.workflow_id)
        self._client.put_item(
            TableName=self._table,
            Item=to_item(values),
            ConditionExpression="attribute_not_exists(execution_id)",
        )

    def get(self, execution_id: str) -> ExecutionRecord | None:
        response = self._client.get_item(TableName=self._table, Key=to_item({"execution_id": execution_id}))
        item = response.get("Item")
        return _from_values(from_item(item)) if item else None

    def batch_get(
        self, execution_ids: Sequence[str], sleep: Callable[[float], None] = time.sleep
    ) -> dict[str, ExecutionRecord]:
        """The stored executions among `execution_ids`, by id (unknown ids are absent).

        One BatchGetItem per 100 distinct ids; only keys DynamoDB left unprocessed are asked for again.
        """
        found: dict[str, ExecutionRecord] = {}
        distinct = list(dict.fromkeys(execution_ids))
        for start in range(0, len(distinct), BATCH_GET_KEYS):
            page = distinct[start : start + BATCH_GET_KEYS]
            keys = [to_item({"execution_id": execution_id}) for execution_id in page]
            request: dict[str, Any] = {self._table: {"Keys": keys}}
            for retry in range(BATCH_GET_RETRIES + 1):
                if retry:
                    sleep(random.uniform(0, BATCH_GET_BASE_DELAY_SECONDS * 2 ** (retry - 1)))  # noqa: S311 (jitter)
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    record = _from_values(from_item(item))
                    found[record.execution_id] = record
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnprocessedKeysError(f"{len(request[self._table]['Keys'])} keys still unprocessed")
        return found

    def transition(
        self,
        record: ExecutionRecord,
        to_status: ExecutionStatus,
        now: str,
        **fields: Any,
    ) -> tuple[bool, ExecutionRecord]:
        """Move `record` to `to_status` if the lifecycle allows it from its stored status (`allowed_from`).

        Returns (applied, the item as stored afterwards): when the condition fails, the stored item comes
        back with the failure itself (no second read).
        """
        values: dict[str, Any] = {
            "status": to_status.value,
            "user_status": user_status_key(record.user_id, to_status),
            "updated_at": now,
            **({"completed_at": now} if to_status.is_terminal else {}),
            **{
                name: dump_json(value) if name in JSON_FIELDS else value
                for name, value in fields.items()
                if value is not None
            },
        }
        names = {f"#a{i}": name for i, name in enumerate(values)}
        attribute_values = {f":v{i}": value for i, value in enumerate(to_item({**values}).values())}
        allowed = {f":from{i}": {"S": status.value} for i, status in enumerate(allowed_from(to_status))}
        if not allowed:
            raise ValueError(f"The lifecycle has no move to {to_status.value}")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item({"execution_id": record.execution_id}),
                # A terminal status ends every approval wait: its token goes with it (data.approvals).
                UpdateExpression="SET "
                + ", ".join(f"#a{i} = :v{i}" for i in range(len(values)))
                + (" REMOVE #approvals" if to_status.is_terminal else ""),
                ConditionExpression=f"#status IN ({', '.join(allowed)})",
                ExpressionAttributeNames={
                    **names,
                    "#status": "status",
                    **({"#approvals": "approvals"} if to_status.is_terminal else {}),
                },
                ExpressionAttributeValues={**attribute_values, **allowed},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = error.response.get("Item")
            return False, _from_values(from_item(item)) if isinstance(item, dict) and item else record
        return True, _from_values(from_item(response["Attributes"]))

    def list(
        self,
        user_id: str,
        limit: int,
        offset: int = 0,
        next_token: str | None = None,
        workflow_id: str | None = None,
        status: ExecutionStatus | None = None,
        started: TimeRange | None = None,
        parent_execution_id: str | None = None,
        trigger_type: TriggerType | None = None,
    ) -> tuple[list[ExecutionRecord], str | None]:
        """Newest first. Each combination of filters reads one index designed for it; every index is sorted by
        `started_at`, so a date range is a key condition on any of them. With both a workflow and a status, the
        user+workflow index is read and the status filtered (a workflow's executions are fewer than a status's
        across all workflows, the usual case). A trigger type is always a filter (most runs share one)."""
        filtered: dict[str, str | None] = {"trigger_type": trigger_type.value if trigger_type else None}
        if parent_execution_id:  # a parent's children are few: the other filters are applied to them
            index, partition = EXECUTIONS_BY_PARENT, user_parent_key(user_id, parent_execution_id)
            filtered.update(workflow_id=workflow_id, status=status.value if status else None)
        elif workflow_id:
            index, partition = EXECUTIONS_BY_WORKFLOW, user_workflow_key(user_id, workflow_id)
            filtered["status"] = status.value if status else None
        elif status:
            index, partition = EXECUTIONS_BY_STATUS, user_status_key(user_id, status)
        else:
            index, partition = EXECUTIONS_BY_USER, user_id
        query = KeyedQuery(
            table_name=self._table,
            index_name=index.name,
            partition_attribute=index.partition_key,
            partition_value=partition,
            key_attributes=_index_key_attributes(index),
            newest_first=True,
            sort_attribute=index.sort_key,
            sort_low=started.low if started else None,
            sort_high=started.high if started else None,
            **_equal_filters(**filtered),
        )
        page = query_page(self._client, query, limit=limit, offset=offset, next_token=next_token)
        return [_from_values(values) for values in page.items], page.next_token

    def has_active_run(self, user_id: str, workflow_id: str) -> bool:
        """Whether an execution of the workflow is pending or running (a schedule's `overlap: skip`): one Query
        on the user+workflow index, newest first, keeping only active items; a page holds up to 1 MB of the
        workflow's executions, and the next page is read only when a page had no active one."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": EXECUTIONS_BY_WORKFLOW.name,
            "KeyConditionExpression": "#partition = :partition",
            "FilterExpression": "#status IN (:pending, :running)",
            "ProjectionExpression": "execution_id",
            "ScanIndexForward": False,
            "ExpressionAttributeNames": {"#partition": EXECUTIONS_BY_WORKFLOW.partition_key, "#status": "status"},
            "ExpressionAttributeValues": {
                ":partition": {"S": user_workflow_key(user_id, workflow_id)},
                ":pending": {"S": ExecutionStatus.PENDING.value},
                ":running": {"S": ExecutionStatus.RUNNING.value},
            },
        }
        while True:
            response = self._client.query(**arguments)
            if response.get("Items"):
                return True
            if "LastEvaluatedKey" not in response:
                return False
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _equal_filters(**wanted: str | None) -> dict[str, Any]:
    """A FilterExpression keeping the items whose attributes equal the given values (None: no condition)."""
    present = {name: value for name, value in wanted.items() if value is not None}
    if not present:
        return {}
    return {
        "filter_expression": " AND ".join(f"#{name} = :{name}" for name in present),
        "filter_names": {f"#{name}": name for name in present},
        "filter_values": {f":{name}": {"S": value} for name, value in present.items()},
    }


def record_from_item(item: dict[str, Any]) -> ExecutionRecord:
    """An item of the table (DynamoDB JSON, as GetItem or a stream image has it) as a record."""
    return _from_values(from_item(item))


def _index_key_attributes(index: Index) -> list[str]:
    return [name for name in dict.fromkeys([EXECUTIONS.partition_key, index.partition_key, index.sort_key]) if name]


def _to_values(record: ExecutionRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json")
    for name in JSON_FIELDS:
        values[name] = dump_json(values[name]) if values[name] is not None else None
    return values


def _from_values(values: dict[str, Any]) -> ExecutionRecord:
    for name in JSON_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = load_json(values[name])
    # The state machine records its last step's result document ({"output": ...}) as `final_result`.
    final_result = load_json(values.pop("final_result", None))
    if values.get("output_data") is None and isinstance(final_result, dict):
        values["output_data"] = final_result.get("output")
    return ExecutionRecord.model_validate(values)
