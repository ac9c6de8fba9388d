"""Metrics: stream batches through the aggregator handler, then GET /api/metrics through the API handler.

A known set of executions and step attempts is written through the repositories (exact times and durations).
The tables' streams deliver them to the aggregator (the real event source mappings, moto seam 5); the tests then
deliver the same records again, built as Lambda delivers them (NEW_AND_OLD_IMAGES), and check that nothing
counts twice. Expected values are computed by hand in the comments. A real execution is counted end to end.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from infra.local import moto_seams
from infra.local.moto_seams import LambdaContext
from tests.integration.conftest import api_tables, wait_terminal
from workflow_engine.data.codec import to_item
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus, LogRecord
from workflow_engine.models.histogram import RELATIVE_ACCURACY
from workflow_engine.platform.aws import client
from workflow_engine.platform.tables import owner_execution_key

DAY = datetime(2026, 4, 10, tzinfo=UTC)
SEQUENCE = count(1)


def stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stream_record(event_name: str, keys: dict, new: dict | None, old: dict | None, table: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Keys": keys,
        "SequenceNumber": f"{next(SEQUENCE):021d}",
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = new
    if old is not None:
        body["OldImage"] = old
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": body,
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-04-10T00:00:00.000",
    }


class Recorder:
    """Writes executions and logs through the repositories and keeps the stream records they would cause."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.tables = api_tables()
        self.dynamodb = client("dynamodb")
        self.executions = ExecutionRepository(self.dynamodb, self.tables.executions_table)
        self.logs = LogRepository(self.dynamodb, self.tables.logs_table)
        self.records: list[dict[str, Any]] = []

    def _execution_item(self, execution_id: str) -> dict:
        return self.dynamodb.get_item(
            TableName=self.tables.executions_table, Key={"execution_id": {"S": execution_id}}
        )["Item"]

    def execution(self, workflow_id: str, started: datetime, status: ExecutionStatus | None, duration_ms: int) -> str:
        record = ExecutionRecord(
            execution_id=str(uuid.uuid4()),
            user_id=self.user_id,
            workflow_id=workflow_id,
            workflow_version=1,
            state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:none",
            status=ExecutionStatus.PENDING,
            started_at=stored(started),
            updated_at=stored(started),
        )
        self.executions.create(record)
        keys = to_item({"execution_id": record.execution_id})
        pending = self._execution_item(record.execution_id)
        self.records.append(stream_record("INSERT", keys, pending, None, self.tables.executions_table))
        self.executions.transition(record, ExecutionStatus.RUNNING, stored(started + timedelta(milliseconds=1)))
        running = self._execution_item(record.execution_id)
        self.records.append(stream_record("MODIFY", keys, running, pending, self.tables.executions_table))
        if status is not None:
            finished = stored(started + timedelta(milliseconds=duration_ms))
            self.executions.transition(record, status, finished)
            final = self._execution_item(record.execution_id)
            self.records.append(stream_record("MODIFY", keys, final, running, self.tables.executions_table))
        return record.execution_id

    def attempt(self, workflow_id: str, execution_id: str, at: datetime, name: str, kind: str, ms: int, error=None):
        record = LogRecord(
            id=str(uuid.uuid4()),
            execution_id=execution_id,
            user_id=self.user_id,
            workflow_id=workflow_id,
            step_name=name,
            step_type=kind,
            attempt=1,
            duration_ms=ms,
            error_message=error,
            timestamp=stored(at),
        )
        self.logs.put(record)
        keys = to_item({"owner_execution": owner_execution_key(self.user_id, execution_id), "log_key": ""})
        keys["log_key"] = {"S": f"{record.timestamp}#{record.id}"}
        item = self.dynamodb.get_item(TableName=self.tables.logs_table, Key=keys)["Item"]
        self.records.append(stream_record("INSERT", keys, item, None, self.tables.logs_table))


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    handler = importlib.import_module("aggregator.handler").handler
    return handler({"Records": records}, LambdaContext("MetricsAggregator"))


def metrics(api, query: str) -> dict[str, Any]:
    status, body, _ = api.call("GET", "/api/metrics", query=query)
    assert status == 200, body
    return body


def near(value: float | None, exact: float) -> bool:
    return value is not None and abs(value - exact) <= RELATIVE_ACCURACY * exact


@pytest.fixture
def known(api):
    """Workflow A: 4 finished executions on 2026-04-10 (10:05 completed 1 s, 10:20 completed 2 s, 10:40 failed
    4 s, 11:10 completed 1 s) and one still running; its steps: "Load" (transform) 4 attempts of 10 ms, "Charge"
    (http) 3 attempts of 100, 200, 300 ms, the 300 ms one failed. Workflow B: 10:30 timed_out after 60 s, its
    "Load" attempt failed in 50 ms; 2026-04-11 00:30 cancelled after 0.5 s."""
    recorder = Recorder(api.user_id)
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    at = DAY.replace
    a1 = recorder.execution(a, at(hour=10, minute=5), ExecutionStatus.COMPLETED, 1_000)
    recorder.execution(a, at(hour=10, minute=20), ExecutionStatus.COMPLETED, 2_000)
    recorder.execution(a, at(hour=10, minute=40), ExecutionStatus.FAILED, 4_000)
    recorder.execution(a, at(hour=11, minute=10), ExecutionStatus.COMPLETED, 1_000)
    recorder.execution(a, at(hour=11, minute=50), None, 0)  # running: not counted
    b1 = recorder.execution(b, at(hour=10, minute=30), ExecutionStatus.TIMED_OUT, 60_000)
    recorder.execution(b, DAY + timedelta(days=1, minutes=30), ExecutionStatus.CANCELLED, 500)
    for k in range(4):
        recorder.attempt(a, a1, at(hour=10, minute=5, second=k), "Load", "transform", 10)
    for k, ms in enumerate((100, 200, 300)):
        recorder.attempt(a, a1, at(hour=10, minute=6, second=k), "Charge", "http", ms, "boom" if ms == 300 else None)
    recorder.attempt(b, b1, at(hour=10, minute=30, second=1), "Load", "transform", 50, "Step 'Load' failed")
    assert moto_seams.drain_event_sources(30)  # the streams have delivered them once
    return recorder, a, b


def step_rows(body: dict[str, Any]) -> set[tuple[str, str | None, int, int]]:
    rows = [(s["step_name"], s["workflow_id"], s["attempts"], s["failures"]) for s in body["steps"]]
    assert len(rows) == len(set(rows))
    return set(rows)


def test_metrics_of_a_known_set_match_hand_computed_values(api, other_api, known):
    recorder, a, b = known
    assert aggregate(recorder.records) == {"batchItemFailures": []}

    body = metrics(api, f"workflow_id={a}&started_after=2026-04-10T10:00:00Z&started_before=2026-04-10T12:00:00Z")
    assert (body["from"], body["to"], body["granularity"]) == ("2026-04-10T10:00:00Z", "2026-04-10T12:00:00Z", "hour")
    assert body["executions"] == {
        "total": 4,
        "by_status": {"completed": 3, "failed": 1, "cancelled": 0, "timed_out": 0},
    }
    assert body["success_rate"] == 0.75
    durations = body["duration_ms"]  # sorted 1000, 1000, 2000, 4000: nearest rank p50 = 1000, p90 = p99 = 4000
    assert near(durations["p50"], 1_000) and near(durations["p90"], 4_000) and near(durations["p99"], 4_000)
    assert durations["mean"] == 2_000 and near(durations["max"], 4_000)
    assert [(p["start"], p["total"], p["completed"], p["failed"]) for p in body["series"]] == [
        ("2026-04-10T10:00:00Z", 3, 2, 1),
        ("2026-04-10T11:00:00Z", 1, 1, 0),
    ]
    assert near(body["series"][0]["p50_ms"], 2_000) and near(body["series"][1]["p90_ms"], 1_000)
    steps = {step["step_name"]: step for step in body["steps"]}
    rows = [(s["step_name"], s["step_type"], s["attempts"], s["failures"], s["workflow_id"]) for s in body["steps"]]
    assert rows == [
        ("Charge", "http", 3, 1, a),
        ("Load", "transform", 4, 0, a),
    ]
    assert steps["Charge"]["failure_rate"] == pytest.approx(1 / 3, abs=1e-6) and steps["Load"]["failure_rate"] == 0
    assert steps["Charge"]["duration_ms"]["mean"] == 200 and near(steps["Charge"]["duration_ms"]["p50"], 200)
    assert near(steps["Load"]["duration_ms"]["p99"], 10)

    # All workflows, by day: both days; B's "Load" is a row of its own beside A's (one row per step per workflow).
    body = metrics(api, "granularity=day&started_after=2026-04-10T00:00:00Z&started_before=2026-04-12T00:00:00Z")
    assert body["executions"] == {
        "total": 6,
        "by_status": {"completed": 3, "failed": 1, "cancelled": 1, "timed_out": 1},
    }
    assert body["success_rate"] == 0.5
    assert [(p["start"], p["total"], p["completed"], p["failed"]) for p in body["series"]] == [
        ("2026-04-10T00:00:00Z", 5, 3, 1),
        ("2026-04-11T00:00:00Z", 1, 0, 0),
    ]
    assert step_rows(body) == {("Charge", a, 3, 1), ("Load", a, 4, 0), ("Load", b, 1, 1)}
    load_b = next(s for s in body["steps"] if s["workflow_id"] == b)
    assert load_b["failure_rate"] == 1 and load_b["duration_ms"]["mean"] == 50
    assert near(body["duration_ms"]["max"], 60_000)

    # An offset bound: 12:00+02:00 is 10:00Z, so only the 10:00 hour of workflow A.
    body = metrics(
        api, f"workflow_id={a}&started_after=2026-04-10T12:00:00%2B02:00&started_before=2026-04-10T11:00:00Z"
    )
    assert body["executions"]["total"] == 3 and len(body["series"]) == 1

    # Nobody else sees any of it.
    other = metrics(other_api, "granularity=day&started_after=2026-04-10T00:00:00Z&started_before=2026-04-12T00:00:00Z")
    assert other["executions"]["total"] == 0 and other["steps"] == [] and other["success_rate"] is None
    assert other["duration_ms"] == {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}
    assert (
        metrics(other_api, f"workflow_id={a}&granularity=day&started_after=2026-04-10T00:00:00Z")["executions"]["total"]
        == 0
    )


def test_redelivered_batches_do_not_count_twice(api, known, monkeypatch):
    recorder, a, b = known
    records = recorder.records
    half = len(records) // 2
    assert aggregate(records[:half])["batchItemFailures"] == []
    assert aggregate(records[:half])["batchItemFailures"] == []  # the same batch again
    assert aggregate(records)["batchItemFailures"] == []  # a batch overlapping the first

    # A record failing half-way: reported, and the retried batch (from that record) counts it once.
    aggregator = importlib.import_module("aggregator.handler")
    real_record = aggregator.metrics.record
    calls = {"n": 0}

    def flaky(contribution):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("throttled")
        return real_record(contribution)

    monkeypatch.setattr(aggregator.metrics, "record", flaky)
    failures = aggregate(records)["batchItemFailures"]
    assert failures  # the stream would retry from the failed record
    assert aggregate(records)["batchItemFailures"] == []

    body = metrics(api, "granularity=day&started_after=2026-04-10T00:00:00Z&started_before=2026-04-12T00:00:00Z")
    assert body["executions"]["total"] == 6
    assert step_rows(body) == {("Charge", a, 3, 1), ("Load", a, 4, 0), ("Load", b, 1, 1)}
    one = metrics(api, f"workflow_id={a}&started_after=2026-04-10T10:00:00Z&started_before=2026-04-10T12:00:00Z")
    assert one["executions"]["by_status"]["completed"] == 3 and one["duration_ms"]["mean"] == 2_000


def test_step_items_stored_before_rows_named_their_workflow_read_as_one_row_without_a_workflow(api, known):
    """The all-workflows partition's step items written before the sort key named the workflow
    (`<bucket>#step#<type>#<name>`, no workflow_id) merged every workflow's step of that name: they stay one row,
    workflow_id null, beside the rows counted since; a workflow's own partition was always per workflow."""
    recorder, a, b = known
    metrics_table = importlib.import_module("api.queries").settings.metrics_table
    legacy = {"pk": f"{api.user_id}#*#day", "sk": "2026-04-10T00:00:00Z#step#transform#Load"}
    legacy |= {"step_name": "Load", "step_type": "transform", "attempts": 7, "failures": 2}
    legacy |= {"duration_sum": 70, "duration_count": 7}
    recorder.dynamodb.put_item(TableName=metrics_table, Item=to_item(legacy))
    body = metrics(api, "granularity=day&started_after=2026-04-10T00:00:00Z&started_before=2026-04-12T00:00:00Z")
    assert step_rows(body) == {("Charge", a, 3, 1), ("Load", a, 4, 0), ("Load", b, 1, 1), ("Load", None, 7, 2)}
    assert body["steps"][0]["workflow_id"] is None  # listed first
    one = metrics(api, f"workflow_id={b}&granularity=day&started_after=2026-04-10T00:00:00Z")
    assert step_rows(one) == {("Load", b, 1, 1)}


def test_default_ranges_and_zero_filled_series(api):
    body = metrics(api, "")
    assert body["granularity"] == "hour" and len(body["series"]) == 24
    assert all(point["total"] == 0 and point["p50_ms"] is None for point in body["series"])
    assert len(metrics(api, "granularity=day")["series"]) == 30
    assert len(metrics(api, "started_after=2026-04-10T10:30:00Z&started_before=2026-04-10T10:30:00Z")["series"]) == 1
    assert len(metrics(api, "started_after=2099-01-01T00:00:00Z")["series"]) == 1  # after now: its bucket, empty


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("granularity=week", "granularity"),
        ("granularity=", "granularity"),
        ("started_after=2026-04-12T00:00:00Z&started_before=2026-04-10T00:00:00Z", "started_after"),
        ("started_after=2026-01-01T00:00:00Z&started_before=2026-03-01T00:00:00Z", "granularity=day"),
        ("granularity=day&started_after=2020-01-01T00:00:00Z&started_before=2026-01-01T00:00:00Z", "366"),
        ("started_before=tomorrow", "started_before"),
        ("started_before=9999-12-31T23:30:00Z", "range"),
        ("granularity=day&started_before=0001-01-02T00:00:00Z", "range"),
        ("workflow_id=123", "workflow_id"),
        ("status_filter=completed", "status_filter"),
        ("limit=10", "limit"),
    ],
)
def test_bad_metrics_requests_are_422_with_the_reason(api, query, named):
    status, body, _ = api.call("GET", "/api/metrics", query=query)
    assert status == 422 and named in str(body), body


def test_a_real_execution_is_counted_through_the_streams(api):
    steps = [
        {"name": "first", "type": "transform", "config": {"expression": "input"}},
        {"name": "second", "type": "transform", "config": {"expression": "input.n"}},
    ]
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "wf", "steps": steps})
    assert status == 201
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"n": 1}})
    assert wait_terminal(api, started["execution_id"])["status"] == "completed"
    assert moto_seams.drain_event_sources(30)
    body = metrics(api, f"workflow_id={workflow['id']}")
    assert body["executions"] == {
        "total": 1,
        "by_status": {"completed": 1, "failed": 0, "cancelled": 0, "timed_out": 0},
    }
    assert body["success_rate"] == 1.0 and body["duration_ms"]["max"] is not None
    assert [(s["step_name"], s["attempts"], s["failures"], s["workflow_id"]) for s in body["steps"]] == [
        ("first", 1, 0, workflow["id"]),
        ("second", 1, 0, workflow["id"]),
    ]
    assert sum(point["total"] for point in body["series"]) == 1
    # A second workflow with a step of the same name: over all workflows, two "first" rows, one per workflow.
    status, other, _ = api.call("POST", "/api/workflows", {"name": "wf 2", "steps": steps[:1]})
    status, started, _ = api.call("POST", f"/api/workflows/{other['id']}/execute", {"input_data": {"n": 2}})
    assert wait_terminal(api, started["execution_id"])["status"] == "completed"
    assert moto_seams.drain_event_sources(30)
    assert step_rows(metrics(api, "")) == {
        ("first", workflow["id"], 1, 0),
        ("second", workflow["id"], 1, 0),
        ("first", other["id"], 1, 0),
    }
