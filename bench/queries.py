"""Queries: AWS calls and DynamoDB items read per page of each new query, and what metrics cost to read and keep.

In-process on moto, through the route handlers. Executions and logs with known times are written through the
repositories (as the API and the step Lambdas write them). Items read is DynamoDB's ScannedCount (what a Query
reads before its filter, i.e. what it is billed for).

Metrics read cost: the same range read for a user with few executions and for one with many. The few are counted
through the aggregator's own write path (MetricsRepository.record, one transaction each); the many are folded in
memory through the very same update expressions and the resulting bucket items written directly (a 10,000 x 6
transaction load on moto would only measure moto). Either way the table holds what the aggregator would write.
"""

from __future__ import annotations

import importlib
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.counting import AwsCalls
from bench.harness import Api
from workflow_engine.data.codec import to_item
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import SEARCH_PAGE_READ_ITEMS, LogRepository
from workflow_engine.data.metrics import TRANSACTION_ITEMS, MetricsRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus, LogRecord
from workflow_engine.models.metric_aggregation import Contribution
from workflow_engine.platform.api_settings import QuerySettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.settings import ApiSettings

START = datetime(2026, 5, 1, tzinfo=UTC)
EXECUTIONS = 120  # in the listing / log search scenario, one per 10 minutes over 20 hours
LOGS_PER_EXECUTION = 5
METRICS_DAYS = 10
METRICS_STEPS = 5
METRICS_COUNTS = (10, 10_000)
RECORDED_UP_TO = 100  # executions counted through the aggregator's write path; more are folded in memory
STEP_TYPES = ("transform", "http", "ai")

# Budgets: the most AWS calls one page may make (CI: tests/integration/test_query_budgets.py).
CALL_BUDGETS = {"executions": 1, "logs": 1, "search": 1, "metrics": 1}


def _settings(module: str) -> Any:
    """A function's own settings: its handler module, loaded under its own environment by install_runtime."""
    return importlib.import_module(module).settings


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seed(api: Api, count: int) -> dict[str, Any]:
    """`count` executions of 2 workflows, every 4th failed, LOGS_PER_EXECUTION logs each (1 in 10 failed)."""
    settings: ApiSettings = _settings("api.executions")
    dynamodb = client("dynamodb")
    executions = ExecutionRepository(dynamodb, settings.executions_table)
    logs = LogRepository(dynamodb, settings.logs_table)
    workflows = [str(uuid.uuid4()), str(uuid.uuid4())]
    ids = []
    for k in range(count):
        started = START + timedelta(minutes=10 * k)
        record = ExecutionRecord(
            execution_id=str(uuid.uuid4()),
            user_id=api.user_id,
            workflow_id=workflows[k % 2],
            workflow_version=1,
            state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bench",
            status=ExecutionStatus.FAILED if k % 4 == 3 else ExecutionStatus.COMPLETED,
            started_at=_stored(started),
            updated_at=_stored(started),
        )
        executions.create(record)
        ids.append(record.execution_id)
        for s in range(LOGS_PER_EXECUTION):
            failed = (k * LOGS_PER_EXECUTION + s) % 10 == 9
            logs.put(
                LogRecord(
                    id=str(uuid.uuid4()),
                    execution_id=record.execution_id,
                    user_id=api.user_id,
                    workflow_id=record.workflow_id,
                    step_name="Charge card" if k == 7 and s == 2 else f"Step {s}",
                    step_type=STEP_TYPES[s % 3],
                    attempt=1,
                    input_data={"input": {"order": k, "customer": f"c-{k:05d}"}, "steps": {}},
                    output_data=None if failed else {"status": 200, "body": {"ok": True, "order": k}},
                    duration_ms=10 + s,
                    error_message="Step failed: HTTP 503 from upstream" if failed else None,
                    timestamp=_stored(started + timedelta(seconds=s)),
                )
            )
    return {"workflows": workflows, "executions": ids}


def _page(api: Api, route: str, query: str, **path: str) -> dict[str, Any]:
    with AwsCalls() as calls:
        status, body, headers = api.call("GET", route, query=query, **path)
    assert status == 200, (route, query, body)
    return {
        "calls": calls.count(),
        "operations": calls.operations(),
        "items_read": calls.scanned,
        "returned": len(body) if isinstance(body, list) else None,
        "next_token": bool(headers.get("X-Next-Token")),
        "body": body,
    }


def _rows(api: Api, seeded: dict[str, Any]) -> list[dict[str, Any]]:
    workflow = seeded["workflows"][0]
    window = "started_after=2026-05-01T02:00:00Z&started_before=2026-05-01T06:00:00%2B02:00"  # 02:00-04:00 UTC
    cases = [
        ("executions", "list, date range (2 h), limit 20", "/api/workflows/executions", f"{window}&limit=20", {}),
        (
            "executions",
            "list, date range + workflow_id",
            "/api/workflows/executions",
            f"{window}&workflow_id={workflow}",
            {},
        ),
        (
            "executions",
            "list, date range + status_filter=failed",
            "/api/workflows/executions",
            f"{window}&status_filter=failed",
            {},
        ),
        (
            "executions",
            "list, date range + workflow_id + status_filter",
            "/api/workflows/executions",
            f"{window}&workflow_id={workflow}&status_filter=completed",
            {},
        ),
        (
            "logs",
            "execution logs, q=http 503",
            "/api/workflows/executions/{execution_id}/logs",
            "q=HTTP%20503",
            {"execution_id": seeded["executions"][1]},
        ),
        ("search", "GET /api/logs, no filter, limit 100", "/api/logs", "limit=100", {}),
        ("search", "GET /api/logs, date range (2 h), limit 100", "/api/logs", f"{window}&limit=100", {}),
        ("search", "GET /api/logs, has_error=true, limit 100", "/api/logs", "has_error=true&limit=100", {}),
        ("search", "GET /api/logs, workflow_id, limit 100", "/api/logs", f"workflow_id={workflow}&limit=100", {}),
        ("search", "GET /api/logs, rare q (1 match), limit 100", "/api/logs", "q=charge%20card&limit=100", {}),
        ("search", "GET /api/logs, limit 1000", "/api/logs", "limit=1000", {}),
    ]
    rows = []
    for kind, name, route, query, path in cases:
        measured = _page(api, route, query, **path)
        measured.pop("body")
        rows.append({"kind": kind, "query": name, "budget": CALL_BUDGETS[kind], **measured})
    return rows


class _FoldingClient:
    """Takes the aggregator's TransactWriteItems and applies their ADD/SET updates in memory (not the markers)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803 (boto3's name)
        for entry in TransactItems:
            update = entry.get("Update")
            if not update:
                continue
            key = (update["Key"]["pk"]["S"], update["Key"]["sk"]["S"])
            item = self.items.setdefault(key, {"pk": key[0], "sk": key[1]})
            names, values = update["ExpressionAttributeNames"], update["ExpressionAttributeValues"]
            for placeholder, name in names.items():
                value = values[":" + placeholder[1:]]
                if "N" in value:
                    item[name] = item.get(name, 0) + int(value["N"])
                else:
                    item[name] = value["S"]


def _contributions(user_id: str, workflow_id: str, executions: int) -> list[Contribution]:
    """`executions` spread evenly over METRICS_DAYS days, each with METRICS_STEPS step attempts."""
    out = []
    span = METRICS_DAYS * 86_400
    for k in range(executions):
        started = START + timedelta(seconds=span * k / executions + 1)
        status = "failed" if k % 10 == 9 else "completed"
        out.append(Contribution(user_id, workflow_id, started, f"execution#{k}", 500 + k % 997, status=status))
        for s in range(METRICS_STEPS):
            out.append(
                Contribution(
                    user_id,
                    workflow_id,
                    started + timedelta(milliseconds=s),
                    f"log#{k}-{s}",
                    20 + (k * s) % 301,
                    step_name=f"Step {s}",
                    step_type=STEP_TYPES[s % 3],
                    failed=status == "failed" and s == METRICS_STEPS - 1,
                )
            )
    return out


def _metrics_user(executions: int, table: str, recorded_up_to: int) -> tuple[str, str, float]:
    user_id, workflow_id = str(uuid.uuid4()), str(uuid.uuid4())
    contributions = _contributions(user_id, workflow_id, executions)
    dynamodb = client("dynamodb")
    with AwsCalls() as writes:
        if executions <= recorded_up_to:
            repository = MetricsRepository(dynamodb, table)
            assert all(repository.record(c) for c in contributions)
        else:
            folding = _FoldingClient()
            repository = MetricsRepository(folding, table)
            for contribution in contributions:
                repository.record(contribution)
            items = [{"PutRequest": {"Item": to_item(item)}} for item in folding.items.values()]
            for start in range(0, len(items), 25):
                dynamodb.batch_write_item(RequestItems={table: items[start : start + 25]})
    per_execution = (
        writes.count("dynamodb.TransactWriteItems") / executions if executions <= recorded_up_to else math.nan
    )
    return user_id, workflow_id, per_execution


def metrics_read_cost(counts: tuple[int, ...] = METRICS_COUNTS, recorded_up_to: int = RECORDED_UP_TO) -> dict[str, Any]:
    query_settings: QuerySettings = _settings("api.queries")
    table = query_settings.metrics_table
    window = "started_after=2026-05-01T00:00:00Z&started_before=2026-05-11T00:00:00Z"
    rows = []
    transactions_per_execution = None
    for executions in counts:
        user_id, workflow_id, per_execution = _metrics_user(executions, table, recorded_up_to)
        if not math.isnan(per_execution):
            transactions_per_execution = per_execution
        api = Api(user_id)
        for name, query, buckets in (
            ("10 days, granularity=day, all workflows", f"{window}&granularity=day", METRICS_DAYS),
            (
                "10 days, granularity=day, one workflow",
                f"{window}&granularity=day&workflow_id={workflow_id}",
                METRICS_DAYS,
            ),
            ("10 days, granularity=hour, all workflows", f"{window}&granularity=hour", METRICS_DAYS * 24),
        ):
            measured = _page(api, "/api/metrics", query)
            body = measured.pop("body")
            assert body["executions"]["total"] == executions, body["executions"]
            rows.append(
                {
                    "executions": executions,
                    "query": name,
                    "budget": CALL_BUDGETS["metrics"],
                    "buckets": buckets,
                    "items_bound": buckets * (1 + METRICS_STEPS),  # a bucket item + one per step that ran in it
                    **measured,
                }
            )
    return {
        "days": METRICS_DAYS,
        "steps": METRICS_STEPS,
        "rows": rows,
        "transactions_per_execution": transactions_per_execution,
        "transaction_items": TRANSACTION_ITEMS,
        "wru_per_transaction": 2 * TRANSACTION_ITEMS,
    }


def run(
    api: Api | None = None,
    counts: tuple[int, ...] = METRICS_COUNTS,
    executions: int = EXECUTIONS,
    recorded_up_to: int = RECORDED_UP_TO,
) -> dict[str, Any]:
    api = api or Api()
    seeded = _seed(api, executions)
    return {
        "executions": executions,
        "logs": executions * LOGS_PER_EXECUTION,
        "search_page_read_items": SEARCH_PAGE_READ_ITEMS,
        "pages": _rows(api, seeded),
        "metrics": metrics_read_cost(counts, recorded_up_to),
    }


def over_budget(results: dict[str, Any]) -> list[str]:
    """Pages over their call budget, reads over their bound, metrics reads that grow with executions."""
    misses = [
        f"{row['query']}: {row['calls']} calls, budget {row['budget']}"
        for row in results["pages"] + results["metrics"]["rows"]
        if row["calls"] > row["budget"]
    ]
    misses += [
        f"{row['query']}: read {row['items_read']} items, more than {results['search_page_read_items'] + 1}"
        for row in results["pages"]
        if row["kind"] == "search" and row["items_read"] > max(results["search_page_read_items"], 1000) + 1
    ]
    misses += [
        f"metrics {row['query']} ({row['executions']} executions): read {row['items_read']} items, more than "
        f"{row['items_bound']} (buckets x (1 + steps))"
        for row in results["metrics"]["rows"]
        if row["items_read"] > row["items_bound"]
    ]
    # Every day bucket holds executions in both cases: the same reads, whatever the number of executions.
    by_query: dict[str, set[tuple[int, int]]] = {}
    for row in results["metrics"]["rows"]:
        if "granularity=day" in row["query"]:
            by_query.setdefault(row["query"], set()).add((row["calls"], row["items_read"]))
    misses += [
        f"metrics {query}: cost grows with executions: {costs}" for query, costs in by_query.items() if len(costs) > 1
    ]
    return misses
