"""AWS calls and items read per page of each query, gated in CI (the scenario is bench/queries.py's, smaller).

Counts only, through botocore hooks (bench/counting.py): one Query per page, the log search's reads bounded
whatever its filter matches, and metrics reads that do not grow with the number of executions.
"""

from __future__ import annotations

import pytest

from bench import queries
from bench.harness import Api


@pytest.fixture(scope="module")
def measured(resources):
    return queries.run(Api(), counts=(10, 2_000), executions=40)


def test_every_query_page_within_its_budget_and_bounds(measured):
    assert queries.over_budget(measured) == []


def test_each_page_is_exactly_one_query(measured):
    for row in measured["pages"] + measured["metrics"]["rows"]:
        assert row["operations"] == {"dynamodb.Query": 1}, row


def test_the_log_search_reads_a_bounded_page(measured):
    rows = {row["query"]: row for row in measured["pages"]}
    assert rows["GET /api/logs, no filter, limit 100"]["items_read"] == 101  # limit + 1: is there more?
    rare = rows["GET /api/logs, rare q (1 match), limit 100"]
    assert rare["returned"] == 1 and rare["items_read"] <= queries.SEARCH_PAGE_READ_ITEMS
    window = rows["GET /api/logs, date range (2 h), limit 100"]
    assert window["items_read"] == window["returned"] == 12 * queries.LOGS_PER_EXECUTION  # only the window's


def test_metrics_reads_do_not_grow_with_executions(measured):
    by_query: dict[str, dict[int, tuple[int, int]]] = {}
    for row in measured["metrics"]["rows"]:
        by_query.setdefault(row["query"], {})[row["executions"]] = (row["calls"], row["items_read"])
    day = by_query["10 days, granularity=day, all workflows"]
    assert day[10] == day[2_000] == (1, queries.METRICS_DAYS * (1 + queries.METRICS_STEPS))
    hour = by_query["10 days, granularity=hour, all workflows"]
    assert hour[2_000] == (1, 24 * queries.METRICS_DAYS * (1 + queries.METRICS_STEPS))  # every bucket, no more


def test_aggregation_writes_one_transaction_per_execution_and_step_attempt(measured):
    assert measured["metrics"]["transactions_per_execution"] == 1 + queries.METRICS_STEPS
    assert measured["metrics"]["wru_per_transaction"] == 10
