"""The execution logs table: one item per step attempt, partitioned by "<user_id>#<execution_id>".

Because the owner is part of the partition key, a user's query can only ever reach their own logs. The
by_user index (user id, log_key) serves the search across all of a user's executions, newest first.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflow_engine.data.codec import dump_json, from_item, load_json, to_item
from workflow_engine.data.query import KeyedQuery, bounded_page
from workflow_engine.data.search_text import normalise, search_text
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.time_range import TimeRange
from workflow_engine.platform.tables import LOGS, LOGS_BY_USER, owner_execution_key

# A page of the search across executions reads at most this many items (or limit + 1, if more), whatever
# its filters match: its cost is bounded, and it may hold fewer than `limit` items.
SEARCH_PAGE_READ_ITEMS = 1_000
# log_key = "<timestamp>#<uuid>": every key of a timestamp sorts below "<timestamp>#~".
_AFTER_ANY_LOG_ID = "#~"

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestOutputTypeDef, WriteRequestTypeDef

JSON_FIELDS = ("input_data", "output_data")
BATCH_WRITE_MAX = 25
BATCH_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class LogFilter:
    """Filters of one execution's logs. `parent_step`: every attempt of the steps directly inside that block."""

    step_type: str | None = None
    step_name: str | None = None
    parent_step: str | None = None
    has_error: bool | None = None
    q: str | None = None  # as typed; matched normalised (search_text.normalise)


@dataclass(frozen=True)
class LogSearch:
    """Filters of the search across a user's executions."""

    q: str | None = None
    workflow_id: str | None = None
    step_type: str | None = None
    parent_step: str | None = None
    has_error: bool | None = None
    started: TimeRange = TimeRange()

    @property
    def filtered(self) -> bool:
        filters = (self.q, self.workflow_id, self.step_type, self.parent_step, self.has_error)
        return any(value is not None for value in filters)

    def scope(self) -> str:
        """A digest of the filters and range: a page's token is accepted only by the same search (`parent_step`
        joins the digest only when set, so the tokens of searches without it stay valid across its release)."""
        fields: tuple[Any, ...] = (self.q, self.workflow_id, self.step_type, self.has_error, self.started.fingerprint())
        if self.parent_step is not None:
            fields += (self.parent_step,)
        return hashlib.sha256(dump_json(fields).encode()).hexdigest()[:16]


# The attributes an equality filter may name (each compared to the filter's value of the same name).
_EQUAL_FILTERS = ("workflow_id", "step_type", "step_name", "parent_step")


def _filter_conditions(filters: LogFilter | LogSearch) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """The FilterExpression parts, names and values of either filter: the one place log filters become
    DynamoDB conditions (an item without the attribute, e.g. a top-level step's `parent_step`, never equals)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    conditions: list[str] = []
    for name in _EQUAL_FILTERS:
        value = getattr(filters, name, None)
        if value is not None:
            names[f"#{name}"] = name
            values[f":{name}"] = {"S": value}
            conditions.append(f"#{name} = :{name}")
    if filters.has_error is not None:
        names["#error"] = "error_message"
        conditions.append("attribute_exists(#error)" if filters.has_error else "attribute_not_exists(#error)")
    if filters.q is not None:
        names["#search"] = "search_text"
        values[":q"] = {"S": normalise(filters.q)}
        conditions.append("contains(#search, :q)")
    return conditions, names, values


class LogRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, record: LogRecord) -> None:
        self._client.put_item(TableName=self._table, Item=_to_item(record))

    def put_many(self, records: list[LogRecord]) -> None:
        """BatchWriteItem, 25 items a call; unprocessed items are sent again (with a short back-off)."""
        for start in range(0, len(records), BATCH_WRITE_MAX):
            requests: Sequence[WriteRequestTypeDef | WriteRequestOutputTypeDef] = [
                {"PutRequest": {"Item": _to_item(r)}} for r in records[start : start + BATCH_WRITE_MAX]
            ]
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
        conditions, names, values = _filter_conditions(filters)
        names["#pk"] = "owner_execution"
        values[":pk"] = {"S": owner_execution_key(user_id, execution_id)}
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

    def search(
        self, user_id: str, search: LogSearch, limit: int, next_token: str | None = None
    ) -> tuple[list[LogRecord], str | None]:
        """Newest first across all of the user's executions: one Query on the by_user index per page, reading
        at most max(limit + 1, SEARCH_PAGE_READ_ITEMS) items when filtered (limit + 1 when not)."""
        conditions, names, values = _filter_conditions(search)
        high = search.started.high
        query = KeyedQuery(
            table_name=self._table,
            index_name=LOGS_BY_USER.name,
            partition_attribute=LOGS_BY_USER.partition_key,
            partition_value=user_id,
            key_attributes=[LOGS.partition_key, LOGS.sort_key or "", LOGS_BY_USER.partition_key],
            newest_first=True,
            filter_expression=" AND ".join(conditions) or None,
            filter_names=names or None,
            filter_values=values or None,
            sort_attribute=LOGS_BY_USER.sort_key,
            sort_low=search.started.low,
            sort_high=high + _AFTER_ANY_LOG_ID if high is not None else None,
        )
        read_limit = max(limit + 1, SEARCH_PAGE_READ_ITEMS) if search.filtered else limit + 1
        page = bounded_page(self._client, query, limit, read_limit, next_token, scope=search.scope())
        return [_from_values(values) for values in page.items], page.next_token


def record_from_item(item: dict[str, Any]) -> LogRecord:
    """An item of the table (DynamoDB JSON, as a Query or a stream image has it) as a record."""
    return _from_values(from_item(item))


def _to_item(record: LogRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json")
    for name in JSON_FIELDS:
        values[name] = dump_json(values[name]) if values[name] is not None else None
    values["owner_execution"] = owner_execution_key(record.user_id, record.execution_id)
    values["log_key"] = f"{record.timestamp}#{record.id}"
    values["search_text"] = search_text(record.step_name, record.error_message, record.output_data, record.input_data)
    return to_item(values)


def _from_values(values: dict[str, Any]) -> LogRecord:
    for name in JSON_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = load_json(values[name])
    return LogRecord.model_validate(values)
