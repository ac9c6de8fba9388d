"""The metrics table: per-user and per-user-workflow time buckets, kept incrementally, counted exactly once.

One contribution (workflow_engine.models.metric_aggregation) is one TransactWriteItems: a `processed` marker put on
condition that it does not exist, and an ADD on each of its 4 bucket items (the workflow's and the user's
all-workflows scope, hour and day). A redelivered record finds its marker: the transaction is cancelled as a
whole and nothing counts twice. Reading a range is one Query per page on one partition: its cost is the
number of buckets (and of steps in them), never the number of executions.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item
from workflow_engine.models.histogram import ZERO_BUCKET, bucket_of
from workflow_engine.models.metric_aggregation import Contribution
from workflow_engine.models.metric_buckets import GRANULARITIES, BucketRange, Granularity, bucket_key

ALL_WORKFLOWS = "*"
MARKER_TTL_SECONDS = 7 * 86_400  # longer than a stream keeps a record (24 h), so any redelivery finds it
HISTOGRAM_PREFIX = "h_"
STEP_INFIX = "#step#"
_AFTER_ANY_STEP = "#~"
SCOPES_PER_CONTRIBUTION = 2  # the workflow's, and all of the user's workflows
TRANSACTION_ITEMS = 1 + SCOPES_PER_CONTRIBUTION * len(GRANULARITIES)  # the marker + one bucket per scope and size


def partition_key(user_id: str, scope: str, granularity: Granularity) -> str:
    return f"{user_id}#{scope}#{granularity.value}"


def histogram_attribute(duration_ms: int) -> str:
    bucket = bucket_of(duration_ms)
    return f"{HISTOGRAM_PREFIX}{'z' if bucket == ZERO_BUCKET else bucket}"


def histogram_of(item: dict[str, Any]) -> dict[int, int]:
    """{bucket: count} from an item's h_<bucket> attributes."""
    return {
        ZERO_BUCKET if name == f"{HISTOGRAM_PREFIX}z" else int(name[len(HISTOGRAM_PREFIX) :]): int(count)
        for name, count in item.items()
        if name.startswith(HISTOGRAM_PREFIX)
    }


def step_sort_suffix(contribution: Contribution, scope: str) -> str:
    """The part of a step item's sort key after its bucket. A step row is one step of one workflow: in the
    all-workflows scope the key names the workflow (`#step#<workflow id>#<type>#<name>`), so two workflows'
    steps of the same name are two items; a workflow's own partition needs no more than `#step#<type>#<name>`.

    Items the all-workflows scope holds from before the key named the workflow (`#step#<type>#<name>`, no
    `workflow_id` attribute) merged every workflow's step of that name; they are left as they are and read as
    rows whose `workflow_id` is null (queries.metrics_report). Each workflow's own partition always kept its
    steps apart, so `workflow_id=` reads were never merged."""
    if scope == ALL_WORKFLOWS:
        return f"{STEP_INFIX}{contribution.workflow_id}#{contribution.step_type}#{contribution.step_name}"
    return f"{STEP_INFIX}{contribution.step_type}#{contribution.step_name}"


class MetricsRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, contribution: Contribution) -> bool:
        """Count `contribution` once: False when its marker says it was already counted."""
        marker = {
            "pk": f"{contribution.user_id}#processed",
            "sk": contribution.marker,
            "expires_at": int(time.time()) + MARKER_TTL_SECONDS,
        }
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(marker),
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            }
        ]
        for scope in (contribution.workflow_id, ALL_WORKFLOWS):
            for granularity in GRANULARITIES:
                items.append({"Update": self._update(contribution, scope, granularity)})
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            if (
                error.response["Error"]["Code"] == "TransactionCanceledException"
                and reasons
                and reasons[0].get("Code") == "ConditionalCheckFailed"
            ):
                return False
            raise
        return True

    def _update(self, contribution: Contribution, scope: str, granularity: Granularity) -> dict[str, Any]:
        bucket = bucket_key(contribution.moment, granularity)
        adds: dict[str, int] = {}
        sets: dict[str, str] = {}
        if contribution.is_step:
            sort_key = bucket + step_sort_suffix(contribution, scope)
            sets = {
                "step_name": contribution.step_name or "",
                "step_type": contribution.step_type or "",
                "workflow_id": contribution.workflow_id,
            }
            adds = {"attempts": 1, "failures": 1 if contribution.failed else 0}
        else:
            sort_key = bucket
            adds = {"executions": 1, f"status_{contribution.status}": 1}
        if contribution.duration_ms is not None:
            adds.update(
                {"duration_sum": contribution.duration_ms, "duration_count": 1}
                | {histogram_attribute(contribution.duration_ms): 1}
            )
        names = {f"#a{i}": name for i, name in enumerate(adds)} | {f"#s{i}": name for i, name in enumerate(sets)}
        values = {f":a{i}": {"N": str(value)} for i, value in enumerate(adds.values())}
        values |= {f":s{i}": {"S": value} for i, value in enumerate(sets.values())}
        expression = "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        if sets:
            expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets))) + " " + expression
        return {
            "TableName": self._table,
            "Key": to_item({"pk": partition_key(contribution.user_id, scope, granularity), "sk": sort_key}),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def read(self, user_id: str, scope: str, buckets: BucketRange) -> list[dict[str, Any]]:
        """Every bucket and step item of the range: one Query (one more per 1 MB page)."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ExpressionAttributeValues": {
                ":pk": {"S": partition_key(user_id, scope, buckets.granularity)},
                ":low": {"S": buckets.first_key},
                ":high": {"S": buckets.last_key + _AFTER_ANY_STEP},
            },
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._client.query(**params)
            items.extend(from_item(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
