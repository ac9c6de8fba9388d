"""One place that pages through a DynamoDB Query: offset, limit and cursor, counted in calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflow_engine.data.codec import from_item
from workflow_engine.data.cursor import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_OFFSET = 1_000


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_token: str | None


@dataclass(frozen=True)
class KeyedQuery:
    """A Query on one partition of a table or index; `key_attributes` are those of its LastEvaluatedKey."""

    table_name: str
    partition_attribute: str
    partition_value: str
    key_attributes: Sequence[str]
    index_name: str | None = None
    newest_first: bool = False
    filter_expression: str | None = None
    filter_names: dict[str, str] | None = None
    filter_values: dict[str, Any] | None = None


def query_page(
    client: DynamoDBClient, query: KeyedQuery, limit: int, offset: int = 0, next_token: str | None = None
) -> Page:
    """Return up to `limit` items after skipping `offset` (from the cursor, if any).

    Without a filter, one Query reads exactly offset + limit + 1 items (the extra one tells whether a next
    page exists). With a filter, pages are read until enough items matched or the partition ends.
    """
    wanted = offset + limit
    params: dict[str, Any] = {
        "TableName": query.table_name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": query.partition_attribute, **(query.filter_names or {})},
        "ExpressionAttributeValues": {":pk": {"S": query.partition_value}, **(query.filter_values or {})},
        "ScanIndexForward": not query.newest_first,
    }
    if query.index_name:
        params["IndexName"] = query.index_name
    if query.filter_expression:
        params["FilterExpression"] = query.filter_expression
    if next_token:
        start = decode_cursor(next_token, query.key_attributes, query.partition_attribute, query.partition_value)
        params["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}

    collected: list[dict[str, Any]] = []
    while True:
        if not query.filter_expression:
            params["Limit"] = wanted + 1 - len(collected)
        response = client.query(**params)
        collected.extend(response.get("Items", []))
        last_key = response.get("LastEvaluatedKey")
        if len(collected) > wanted or not last_key:
            break
        params["ExclusiveStartKey"] = last_key

    page_items = collected[offset:wanted]
    more = len(collected) > wanted
    token = None
    if more and page_items:
        last = page_items[-1]
        token = encode_cursor({name: last[name]["S"] for name in query.key_attributes})
    return Page(items=[from_item(item) for item in page_items], next_token=token)
