"""AWS calls per request, gated in CI: every route within its budget, and no DynamoDB Scan anywhere.

The scenario and the budgets are bench/calls.py's (what `make bench` reports in BENCHMARKS.md); calls are
counted through botocore `before-call` hooks. Counts only: no wall time is ever asserted here.
"""

from __future__ import annotations

import pytest

from bench import batch, calls
from bench.harness import Api


@pytest.fixture(scope="module")
def measured(resources):
    return calls.run(Api())


def test_every_route_within_its_call_budget(measured):
    assert calls.over_budget(measured) == []


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("GET /api/workflows/executions/{execution_id}", {"dynamodb.GetItem": 1}),
        ("GET /api/workflows/executions/{execution_id}/logs", {"dynamodb.Query": 1}),
        ("GET /api/workflows/executions", {"dynamodb.Query": 1}),
        ("GET /api/workflows/executions (status_filter)", {"dynamodb.Query": 1}),
        (
            "POST /api/workflows/{workflow_id}/execute",
            {"dynamodb.GetItem": 1, "dynamodb.PutItem": 1, "stepfunctions.StartExecution": 1},
        ),
        (
            "POST /api/workflows/executions/{execution_id}/cancel",
            {"dynamodb.GetItem": 1, "stepfunctions.StopExecution": 1, "dynamodb.UpdateItem": 1},
        ),
        ("GET /api/workflows/{workflow_id}", {"dynamodb.GetItem": 1}),
        ("GET /api/workflows", {"dynamodb.Query": 1}),
        ("GET /api/health", {}),
    ],
)
def test_route_makes_exactly_these_calls(measured, route, expected):
    assert measured["routes"][route]["operations"] == expected


def test_no_scan_anywhere(measured):
    """Not in a request, nor in the state machines, step Lambdas and reconciler running meanwhile."""
    assert all(row["scans"] == 0 for row in measured["routes"].values())
    assert measured["anywhere"]["scans"] == 0
    assert measured["anywhere"]["operations"]  # the background was counted (machines ran meanwhile)


def test_notifier_calls_per_stream_record_within_budget(resources, connections):
    """Per record: 1 Query for the owner's connections + 1 post per live subscribed connection (a Gone one is
    deleted once and never posted to again); no Scan. The scenario is bench/realtime.py's."""
    from bench import realtime

    measured = realtime.calls(connections.gone)
    assert measured["over_budget"] == []
    by_case = {row["case"]: row["operations"] for row in measured["rows"]}
    assert by_case["0 live connection(s)"] == {"dynamodb.Query": 5}
    assert by_case["3 live connection(s)"] == {"apigatewaymanagementapi.PostToConnection": 15, "dynamodb.Query": 5}
    assert by_case["1 live + 1 gone connection"] == {
        "apigatewaymanagementapi.PostToConnection": 6,
        "dynamodb.DeleteItem": 2,  # the Gone connection's item and its slot
        "dynamodb.Query": 5,
    }


@pytest.fixture(scope="module")
def batch_measured(resources):
    return batch.run(Api())


@pytest.mark.parametrize("request_name", list(batch.BUDGETS))
def test_batch_and_compare_make_exactly_these_calls(batch_measured, request_name):
    """batch-get of 100 ids: 1 BatchGetItem; batch-cancel of 100: 1 BatchGetItem + StopExecution and a
    conditional UpdateItem per id; compare of N: 1 BatchGetItem + N logs Queries."""
    row = batch_measured["rows"][request_name]
    assert row["operations"] == batch.BUDGETS[request_name]
    assert row["scans"] == 0
    assert batch.over_budget(batch_measured) == []
