"""One place that pages through a DynamoDB Query: offset, limit and cursor, counted in calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflow_engine.data.codec import from_item
from workflow_engine.data.cursor import decode_cursor, encode_cursor
from workflow_engine.models.errors import InvalidRequestError

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
    # A range on the sort key (inclusive strings, either side optional): part of the key condition.
    sort_attribute: str | None = None
    sort_low: str | None = None
    sort_high: str | None = None

    def key_condition(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        """KeyConditionExpression, its names and values: the partition, and the sort key range if any."""
        names = {"#pk": self.partition_attribute}
        values: dict[str, Any] = {":pk": {"S": self.partition_value}}
        expression = "#pk = :pk"
        low, high = (self.sort_low, self.sort_high) if self.sort_attribute else (None, None)
        if low is not None or high is not None:
            names["#sk"] = self.sort_attribute or ""
        if low is not None and high is not None:
            expression += " AND #sk BETWEEN :low AND :high"
        elif low is not None:
            expression += " AND #sk >= :low"
        elif high is not None:
            expression += " AND #sk <= :high"
        values.update({name: {"S": value} for name, value in ((":low", low), (":high", high)) if value is not None})
        return expression, names, values

    def check_start_key(self, key: dict[str, str]) -> None:
        """A cursor's sort key must lie inside the range (DynamoDB refuses a start key outside it)."""
        if not self.sort_attribute:
            return
        value = key.get(self.sort_attribute, "")
        if (self.sort_low is not None and value < self.sort_low) or (
            self.sort_high is not None and value > self.sort_high
        ):
            raise InvalidRequestError("next_token does not belong to this query (another range or filter)")


def _query_params(query: KeyedQuery, next_token: str | None, scope: str | None = None) -> dict[str, Any]:
    """The Query's parameters (no Limit), starting after the cursor `next_token` when there is one."""
    key_condition, key_names, key_values = query.key_condition()
    params: dict[str, Any] = {
        "TableName": query.table_name,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeNames": {**key_names, **(query.filter_names or {})},
        "ExpressionAttributeValues": {**key_values, **(query.filter_values or {})},
        "ScanIndexForward": not query.newest_first,
    }
    if query.index_name:
        params["IndexName"] = query.index_name
    if query.filter_expression:
        params["FilterExpression"] = query.filter_expression
    if next_token:
        start = decode_cursor(
            next_token, query.key_attributes, query.partition_attribute, query.partition_value, scope=scope
        )
        query.check_start_key(start)
        params["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}
    return params


def query_page(
    client: DynamoDBClient, query: KeyedQuery, limit: int, offset: int = 0, next_token: str | None = None
) -> Page:
    """Return up to `limit` items after skipping `offset` (from the cursor, if any).

    Without a filter, one Query reads exactly offset + limit + 1 items (the extra one tells whether a next
    page exists). With a filter, pages are read until enough items matched or the partition ends.
    """
    wanted = offset + limit
    params = _query_params(query, next_token)
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


def bounded_page(
    client: DynamoDBClient,
    query: KeyedQuery,
    limit: int,
    read_limit: int,
    next_token: str | None = None,
    scope: str = "",
) -> Page:
    """Exactly one Query, reading at most `read_limit` items (> limit), returning up to `limit` that match.

    The cost of a page is bounded whatever the filter matches: a rare filter can answer fewer than `limit`
    items (even none) with a next token; the caller follows it. The token carries the query's `scope`, so it is
    accepted only by the same query of the same user.
    """
    response = client.query(**_query_params(query, next_token, scope), Limit=read_limit)
    items = response.get("Items", [])
    if len(items) > limit:
        last: dict[str, Any] | None = {name: items[limit - 1][name] for name in query.key_attributes}
        items = items[:limit]
    else:
        last = response.get("LastEvaluatedKey")
    token = encode_cursor({name: last[name]["S"] for name in query.key_attributes}, scope) if last else None
    return Page(items=[from_item(item) for item in items], next_token=token)
