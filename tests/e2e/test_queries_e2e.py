"""The cross-execution log search (GET /api/logs) and the metrics (GET /api/metrics) over HTTP with real tokens,
against real executions of the local stack: every filter, paging, isolation, bad input, and aggregates checked
against values computed here from the executions' own status objects and logs.

Two users of their own (not the session's alice and bob, whom other files run executions for) make the expected
answers exact: everything in their partitions was made by the `history` fixture below.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from infra.declarations import EXAMPLE_PASSWORD
from infra.local.signin import sign_in
from tests.e2e.conftest import Client

pytestmark = pytest.mark.xdist_group("e2e")

ORDERS = [
    {"name": "Load order", "type": "transform", "config": {"expression": "input"}},
    {"name": "Total", "type": "transform", "config": {"expression": "sum(input.items[*].price)"}},
]
HOLD = [
    {"name": "Start", "type": "transform", "config": {"expression": "input"}},
    {"name": "Hold", "type": "wait", "config": {"seconds": 300}},
]
PAIR = [
    {"name": "Copy", "type": "transform", "config": {"expression": "input"}},
    {"name": "Copy again", "type": "transform", "config": {"expression": "input"}},
]
TERMINAL = ("completed", "failed", "cancelled", "timed_out")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch_steps(port: int) -> list[dict]:
    return [
        {"name": "Prepare", "type": "transform", "config": {"expression": "input"}},
        {"name": "Fetch", "type": "http", "config": {"url": f"http://127.0.0.1:{port}/orders", "method": "GET"}},
    ]


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _floor(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if step == DAY else moment


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floored = _floor(moment, step)
    return floored if floored == moment else floored + step


@dataclass
class Run:
    """One finished execution: its status object and its logs (GET .../executions/{id}/logs)."""

    workflow: str
    execution: dict
    logs: list[dict] = field(default_factory=list)

    @property
    def duration_ms(self) -> int | None:
        if not self.execution["completed_at"]:
            return None
        elapsed = _moment(self.execution["completed_at"]) - _moment(self.execution["started_at"])
        return max(0, round(elapsed.total_seconds() * 1000))


@dataclass
class History:
    carol: Client
    dave: Client
    workflows: dict[str, str]  # name -> id (carol's)
    runs: list[Run]  # carol's, in the order they ran
    dave_run: Run

    def logs(self, **where: Any) -> list[dict]:
        """Carol's log entries as GET /api/logs answers them (the log plus execution_id and workflow_id), newest
        first, kept when every `where` predicate holds."""
        entries = [
            {**log, "execution_id": run.execution["id"], "workflow_id": run.execution["workflow_id"]}
            for run in self.runs
            for log in run.logs
        ]
        entries.sort(key=lambda entry: (entry["timestamp"], entry["id"]), reverse=True)
        return [entry for entry in entries if all(test(entry) for test in where.values())]

    def ids(self, **where: Any) -> list[str]:
        return [entry["id"] for entry in self.logs(**where)]


def _create_workflow(client: Client, name: str, steps: list[dict]) -> str:
    response = client.post("/api/workflows", json={"name": name, "steps": steps})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _start(client: Client, workflow_id: str, input_data: Any) -> str:
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data})
    assert response.status_code == 202, response.text
    return response.json()["execution_id"]


def _logs_of(client: Client, execution_id: str) -> list[dict]:
    response = client.get(f"/api/workflows/executions/{execution_id}/logs")
    assert response.status_code == 200, response.text
    return response.json()


def _run(client: Client, workflow_id: str, input_data: Any) -> Run:
    execution_id = _start(client, workflow_id, input_data)
    execution = client.wait_terminal(execution_id)
    return Run(workflow_id, execution, _logs_of(client, execution_id))


def _run_cancelled(client: Client, workflow_id: str) -> Run:
    """Started, cancelled while it waits (after its first step logged), so it ends `cancelled`."""
    execution_id = _start(client, workflow_id, {"hold": True})
    deadline = time.monotonic() + 30
    while len(_logs_of(client, execution_id)) < 1:
        assert time.monotonic() < deadline, "the first step never logged"
        time.sleep(0.1)
    assert client.post(f"/api/workflows/executions/{execution_id}/cancel").status_code == 200
    execution = client.wait_terminal(execution_id)
    return Run(workflow_id, execution, _logs_of(client, execution_id))


@pytest.fixture(scope="module")
def history(stack) -> History:
    carol, dave = (
        Client(stack, sign_in(stack, f"{who}-{uuid.uuid4().hex[:8]}", EXAMPLE_PASSWORD)) for who in ("carol", "dave")
    )
    workflows = {
        "orders": _create_workflow(carol, "orders", ORDERS),
        "fetch": _create_workflow(carol, "fetch", _fetch_steps(_refused_port())),
        "hold": _create_workflow(carol, "hold", HOLD),
    }
    runs = [
        _run(carol, workflows["orders"], {"items": [{"price": 2}, {"price": 3}]}),
        _run(carol, workflows["orders"], {"items": [{"price": "a"}]}),  # Total fails at evaluation
        _run(carol, workflows["orders"], {"items": [{"price": 7}], "street": "Straße-Nord"}),
        _run(carol, workflows["fetch"], {"order": 1}),  # Fetch: connection refused
        _run(carol, workflows["orders"], {"items": []}),
        _run_cancelled(carol, workflows["hold"]),
    ]
    # What ran is what the assertions below rely on: statuses, and which steps logged, with or without an error.
    assert [run.execution["status"] for run in runs] == [
        "completed",
        "failed",
        "completed",
        "failed",
        "completed",
        "cancelled",
    ]
    assert [[(log["step_name"], log["error_message"] is not None) for log in run.logs] for run in runs] == [
        [("Load order", False), ("Total", False)],
        [("Load order", False), ("Total", True)],
        [("Load order", False), ("Total", False)],
        [("Prepare", False), ("Fetch", True)],
        [("Load order", False), ("Total", False)],
        [("Start", False)],
    ]
    dave_run = _run(dave, _create_workflow(dave, "pair", PAIR), {"mine": "dave"})
    assert dave_run.execution["status"] == "completed"
    return History(carol, dave, workflows, runs, dave_run)


def _search(client: Client, **params: Any) -> tuple[list[dict], str | None]:
    response = client.get("/api/logs", params=params)
    assert response.status_code == 200, response.text
    return response.json(), response.headers.get("X-Next-Token")


def _search_ids(client: Client, **params: Any) -> list[str]:
    entries, token = _search(client, **params)
    assert token is None  # these searches fit in one page
    return [entry["id"] for entry in entries]


def _all_pages(client: Client, **params: Any) -> list[list[str]]:
    pages, token = [], None
    while True:
        entries, token = _search(client, **params, **({"next_token": token} if token else {}))
        pages.append([entry["id"] for entry in entries])
        if not token:
            return pages
        assert len(pages) < 20, "the token never ran out"


# -- GET /api/logs ---------------------------------------------------------------------------------------------


def test_log_search_answers_every_log_newest_first_with_its_execution_and_workflow(history):
    entries, token = _search(history.carol)
    assert token is None
    assert len(entries) == 11
    assert entries == history.logs()  # each log object exactly, plus execution_id and workflow_id
    assert [entry["timestamp"] for entry in entries] == sorted((entry["timestamp"] for entry in entries), reverse=True)


def test_log_search_filters(history):
    carol, workflows = history.carol, history.workflows
    errored = {"error": lambda entry: entry["error_message"] is not None}
    clean = {"error": lambda entry: entry["error_message"] is None}
    assert _search_ids(carol, has_error="true") == history.ids(**errored)
    assert [entry["step_name"] for entry in history.logs(**errored)] == ["Fetch", "Total"]
    assert _search_ids(carol, has_error="false") == history.ids(**clean)
    assert len(history.ids(**clean)) == 9
    for name, workflow_id in workflows.items():
        expected = history.ids(workflow=lambda entry, w=workflow_id: entry["workflow_id"] == w)
        assert _search_ids(carol, workflow_id=workflow_id) == expected, name
    assert len(_search_ids(carol, workflow_id=workflows["orders"])) == 8
    http_logs = history.ids(type=lambda entry: entry["step_type"] == "http")
    assert _search_ids(carol, step_type="http") == http_logs and len(http_logs) == 1
    assert _search_ids(carol, step_type="transform", has_error="true") == history.ids(
        type=lambda entry: entry["step_type"] == "transform", **errored
    )
    assert _search_ids(carol, workflow_id=workflows["fetch"], has_error="false") == history.ids(
        step=lambda entry: entry["step_name"] == "Prepare"
    )
    assert _search_ids(carol, step_type="wait") == []  # a wait state runs no step Lambda: no log


def test_log_search_q_is_a_case_insensitive_substring_of_name_error_input_and_output(history):
    carol = history.carol
    refused = history.ids(step=lambda entry: entry["step_name"] == "Fetch")
    assert _search_ids(carol, q="CONNECTION refused") == refused  # the error message
    totals = history.ids(step=lambda entry: entry["step_name"] == "Total")
    assert _search_ids(carol, q="total") == totals and len(totals) == 4  # the step name
    assert _search_ids(carol, q="total", has_error="true") == history.ids(
        step=lambda entry: entry["step_name"] == "Total", error=lambda entry: entry["error_message"] is not None
    )
    # Input and output, casefolded: "STRASSE" finds "Straße" (both steps of that run saw it in their input).
    street = history.runs[2].execution["id"]
    assert _search_ids(carol, q="STRASSE-nord") == history.ids(run=lambda entry: entry["execution_id"] == street)
    assert len(_search_ids(carol, q="straße-NORD")) == 2
    assert _search_ids(carol, q="straße", workflow_id=history.workflows["fetch"]) == []
    assert _search_ids(carol, q="no log says this") == []


def test_log_search_date_range_is_half_open_in_any_offset(history):
    carol, everything = history.carol, history.logs()
    after, before = _moment(everything[8]["timestamp"]), _moment(everything[2]["timestamp"])
    window = {"started_after": _iso(after), "started_before": _iso(before)}
    assert _search_ids(carol, **window) == [entry["id"] for entry in everything[3:9]]
    shifted = {"started_after": after.astimezone(timezone(HOUR)).isoformat(), "started_before": _iso(before)}
    assert _search_ids(carol, **shifted) == [entry["id"] for entry in everything[3:9]]
    assert _search_ids(carol, **window, has_error="true") == [
        entry["id"] for entry in everything[3:9] if entry["error_message"] is not None
    ]
    assert _search_ids(carol, started_after=_iso(after + timedelta(microseconds=1))) == [
        entry["id"] for entry in everything[:8]
    ]
    assert _search_ids(carol, started_before=_iso(after)) == [entry["id"] for entry in everything[9:]]
    assert _search_ids(carol, started_after=_iso(after), started_before=_iso(after)) == []  # empty, not an error
    # Any four-digit year is a bound like another: everything started after the year 999.
    assert _search_ids(carol, started_after="0999-01-01T00:00:00Z") == [entry["id"] for entry in everything]
    assert _search_ids(carol, started_before="0999-01-01T00:00:00Z") == []


def test_log_search_pages_with_the_next_token(history):
    carol, everything = history.carol, history.ids()
    pages = _all_pages(carol, limit=4)
    assert pages == [everything[:4], everything[4:8], everything[8:]]  # unfiltered pages are full
    assert _all_pages(carol, limit=11) == [everything]
    assert _all_pages(carol, limit=10) == [everything[:10], everything[10:]]
    filtered = _all_pages(carol, limit=3, has_error="false")
    assert [entry for page in filtered for entry in page] == history.ids(
        error=lambda entry: entry["error_message"] is None
    )
    assert all(len(page) <= 3 for page in filtered)
    windowed = _all_pages(carol, limit=2, started_before=_iso(_moment(history.logs()[5]["timestamp"])))
    assert [entry for page in windowed for entry in page] == everything[6:]


def _token_of(client: Client, **params: Any) -> str:
    _, token = _search(client, **params)
    assert token
    return token


def _decoded(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def _forged(token: str, **changes: Any) -> str:
    """The token's document, changed as a client could change it (tokens are opaque, not secret)."""
    document = {**_decoded(token), **changes}
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def _refused(client: Client, route: str, params: dict) -> str:
    response = client.get(route, params=params)
    assert response.status_code == 422, (params, response.status_code, response.text)
    message = response.json()["message"]
    assert isinstance(message, str) and message
    return message


def test_a_next_token_works_only_for_its_user_and_its_query(history):
    carol, dave = history.carol, history.dave
    token = _token_of(carol, limit=2)
    assert [entry["id"] for entry in _search(carol, limit=2, next_token=token)[0]] == history.ids()[2:4]
    # Another user's token: refused, and never a page of the other user's logs.
    assert "next_token" in _refused(dave, "/api/logs", {"limit": 2, "next_token": token})
    # Another query's token (other filters, other range).
    assert "another query" in _refused(carol, "/api/logs", {"limit": 2, "step_type": "http", "next_token": token})
    assert "another query" in _refused(carol, "/api/logs", {"limit": 2, "has_error": "false", "next_token": token})
    later = _iso(_moment(history.logs()[0]["timestamp"]))
    assert _refused(carol, "/api/logs", {"limit": 2, "started_before": later, "next_token": token})
    # Tampered: pointed at another user's partition, stripped of its query, truncated, or not a token at all.
    dave_token = _token_of(dave, limit=1)
    assert "next_token" in _refused(carol, "/api/logs", {"limit": 1, "next_token": dave_token})
    dave_id = _decoded(dave_token)["user_id"]
    for tampered in (
        _forged(token, user_id=dave_id),
        _forged(token, user_id=dave_id, owner_execution=f"{dave_id}#{history.dave_run.execution['id']}"),
        _forged(token, _scope="0" * 16),
        _forged(token, _scope=None),
        _forged(token, log_key=5),
        _forged(token, extra="x"),
        token[:-4],
        token + "x",
        "not a token",
    ):
        assert _refused(carol, "/api/logs", {"limit": 2, "next_token": tampered})


def test_log_search_never_shows_another_users_logs(history):
    carol, dave = history.carol, history.dave
    theirs, token = _search(dave, limit=1000)
    assert token is None
    assert theirs == [
        {**log, "execution_id": history.dave_run.execution["id"], "workflow_id": history.dave_run.workflow}
        for log in reversed(history.dave_run.logs)
    ]
    assert history.dave_run.logs[0]["id"] not in history.ids()
    assert _search_ids(carol, limit=1000) == history.ids()
    for workflow_id in history.workflows.values():
        assert _search_ids(dave, workflow_id=workflow_id) == []
    assert _search_ids(carol, workflow_id=history.dave_run.workflow) == []
    assert _search_ids(dave, q="straße") == [] and _search_ids(dave, has_error="true") == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"started_after": "yesterday"},
        {"started_after": "2026-11-26T08:00:00"},  # no offset
        {"started_before": "2026-13-01T00:00:00Z"},
        {"started_after": "2026-11-26T10:00:00Z", "started_before": "2026-11-26T09:00:00Z"},
        {"workflow_id": "not-a-uuid"},
        {"has_error": "perhaps"},
        {"q": ""},
        {"q": "x" * 201},
        {"step_type": "x" * 33},
        {"status_filter": "failed"},  # not a parameter of this route
        {"next_token": "x" * 2049},
    ],
)
def test_bad_log_search_parameters_are_422_with_a_message(history, params):
    _refused(history.carol, "/api/logs", params)


# -- GET /api/metrics ------------------------------------------------------------------------------------------


class Within5Percent:
    """Equal to a figure within the stated relative error of percentiles and max (5%, then rounded to 0.1 ms)."""

    def __init__(self, exact: float) -> None:
        self.exact = exact

    def __eq__(self, other: object) -> bool:
        return isinstance(other, int | float) and abs(other - self.exact) <= 0.05 * self.exact + 0.05

    def __repr__(self) -> str:
        return f"~{self.exact}"


def _nearest_rank(values: list[int], p: float) -> Within5Percent:
    ordered = sorted(values)
    return Within5Percent(ordered[max(1, math.ceil(p * len(ordered) - 1e-9)) - 1])


def _durations(values: list[int], with_max: bool = False) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "p50": _nearest_rank(values, 0.5) if values else None,
        "p90": _nearest_rank(values, 0.9) if values else None,
        "p99": _nearest_rank(values, 0.99) if values else None,
        "mean": round(sum(values) / len(values), 1) if values else None,  # exact
    }
    if with_max:
        figures["max"] = Within5Percent(max(values)) if values else None
    return figures


def _expected_metrics(runs: list[Run], start: datetime, end: datetime, step: timedelta) -> dict[str, Any]:
    """The answer for these runs over [start, end) in buckets of `step`, computed from their status objects and logs:
    executions in the bucket of their start, step attempts in the bucket of the log's time."""
    runs = [run for run in runs if start <= _moment(run.execution["started_at"]) < end]
    statuses = [run.execution["status"] for run in runs]
    by_status = {status: statuses.count(status) for status in TERMINAL}
    durations = [run.duration_ms for run in runs if run.duration_ms is not None]
    attempts: dict[tuple[str, str, str], list[dict]] = {}  # a step row is one step of one workflow
    for run in runs:
        for log in run.logs:
            if start <= _moment(log["timestamp"]) < end:
                attempts.setdefault((run.workflow, log["step_name"], log["step_type"]), []).append(log)
    series = []
    moment = start
    while moment < end:
        in_bucket = [run for run in runs if moment <= _moment(run.execution["started_at"]) < moment + step]
        bucket_durations = [run.duration_ms for run in in_bucket if run.duration_ms is not None]
        figures = _durations(bucket_durations)
        series.append(
            {
                "start": _iso(moment),
                "total": len(in_bucket),
                "completed": sum(run.execution["status"] == "completed" for run in in_bucket),
                "failed": sum(run.execution["status"] == "failed" for run in in_bucket),
                "p50_ms": figures["p50"],
                "p90_ms": figures["p90"],
            }
        )
        moment += step
    steps = []
    for (workflow_id, name, step_type), logs in sorted(attempts.items()):
        failures = sum(log["error_message"] is not None for log in logs)
        steps.append(
            {
                "step_name": name,
                "step_type": step_type,
                "workflow_id": workflow_id,
                "attempts": len(logs),
                "failures": failures,
                "failure_rate": round(failures / len(logs), 6),
                "duration_ms": _durations([log["duration_ms"] for log in logs]),
            }
        )
    return {
        "from": _iso(start),
        "to": _iso(end),
        "granularity": "hour" if step == HOUR else "day",
        "executions": {"total": len(runs), "by_status": by_status},
        "success_rate": round(by_status["completed"] / len(runs), 6) if runs else None,
        "duration_ms": _durations(durations, with_max=True),
        "steps": steps,
        "series": series,
    }


def _metrics(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get("/api/metrics", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def counted(history) -> History:
    """The history once the stream consumer has counted all of it (polled, with a deadline)."""
    deadline = time.monotonic() + 60
    for client, executions, attempts in (
        (history.carol, len(history.runs), sum(len(run.logs) for run in history.runs)),
        (history.dave, 1, len(history.dave_run.logs)),
    ):
        while True:
            report = _metrics(client, granularity="day")
            counted_attempts = sum(step["attempts"] for step in report["steps"])
            if report["executions"]["total"] >= executions and counted_attempts >= attempts:
                break
            assert time.monotonic() < deadline, f"metrics still count {report['executions']}, {counted_attempts}"
            time.sleep(0.2)
    return history


def _span(runs: list[Run]) -> tuple[datetime, datetime]:
    """A range holding every run's start: from the first start to a second after the last."""
    starts = [_moment(run.execution["started_at"]) for run in runs]
    return min(starts), max(starts) + timedelta(seconds=1)


@pytest.mark.parametrize("step", [HOUR, DAY], ids=["hour", "day"])
def test_metrics_of_all_workflows_are_exact(counted, step):
    after, before = _span(counted.runs)
    granularity = "hour" if step == HOUR else "day"
    report = _metrics(counted.carol, started_after=_iso(after), started_before=_iso(before), granularity=granularity)
    expected = _expected_metrics(counted.runs, _floor(after, step), _ceil(before, step), step)
    assert report == expected
    # Spelled out, the figures the comparison above holds: 3 completed, 2 failed, 1 cancelled.
    assert report["executions"] == {
        "total": 6,
        "by_status": {"completed": 3, "failed": 2, "cancelled": 1, "timed_out": 0},
    }
    assert report["success_rate"] == 0.5
    names = {workflow_id: name for name, workflow_id in counted.workflows.items()}
    rows = sorted(report["steps"], key=lambda s: s["step_name"])
    assert [(names[s["workflow_id"]], s["step_name"], s["step_type"], s["attempts"], s["failures"]) for s in rows] == [
        ("fetch", "Fetch", "http", 1, 1),
        ("orders", "Load order", "transform", 4, 0),
        ("fetch", "Prepare", "transform", 1, 0),
        ("hold", "Start", "transform", 1, 0),
        ("orders", "Total", "transform", 4, 1),
    ]
    assert [step["failure_rate"] for step in rows] == [1.0, 0.0, 0.0, 0.0, 0.25]
    assert sum(point["total"] for point in report["series"]) == 6


def test_metrics_scoped_by_workflow_are_exact(counted):
    after, before = _span(counted.runs)
    start, end = _floor(after, HOUR), _ceil(before, HOUR)
    totals = {}
    for name, workflow_id in counted.workflows.items():
        report = _metrics(
            counted.carol, workflow_id=workflow_id, started_after=_iso(after), started_before=_iso(before)
        )
        runs = [run for run in counted.runs if run.workflow == workflow_id]
        assert report == _expected_metrics(runs, start, end, HOUR), name
        totals[name] = (report["executions"]["by_status"], report["success_rate"])
    assert totals == {
        "orders": ({"completed": 3, "failed": 1, "cancelled": 0, "timed_out": 0}, 0.75),
        "fetch": ({"completed": 0, "failed": 1, "cancelled": 0, "timed_out": 0}, 0.0),
        "hold": ({"completed": 0, "failed": 0, "cancelled": 1, "timed_out": 0}, 0.0),
    }


def test_metrics_default_range_is_the_last_24_hours_or_30_days(counted):
    for step, span, granularity in ((HOUR, timedelta(hours=24), "hour"), (DAY, timedelta(days=30), "day")):
        before = datetime.now(UTC)
        report = _metrics(counted.carol, **({"granularity": granularity} if step == DAY else {}))
        after = datetime.now(UTC)
        end = _ceil(before, step) if _ceil(before, step) == _ceil(after, step) else _moment(report["to"])
        assert report == _expected_metrics(counted.runs, end - span, end, step)


def test_metrics_of_a_range_without_executions_unknown_or_foreign_workflows_are_zeros(counted):
    after, before = _span(counted.runs)
    window = {"started_after": _iso(after), "started_before": _iso(before)}
    start, end = _floor(after, HOUR), _ceil(before, HOUR)
    zeros = _expected_metrics([], start, end, HOUR)
    assert zeros["executions"]["total"] == 0 and zeros["success_rate"] is None and zeros["steps"] == []
    assert all(value is None for value in zeros["duration_ms"].values())
    assert _metrics(counted.carol, workflow_id=str(uuid.uuid4()), **window) == zeros
    assert _metrics(counted.dave, workflow_id=counted.workflows["orders"], **window) == zeros
    assert _metrics(counted.carol, workflow_id=counted.dave_run.workflow, **window) == zeros
    earlier = {"started_after": _iso(start - 3 * HOUR), "started_before": _iso(start)}
    assert _metrics(counted.carol, **earlier) == _expected_metrics([], start - 3 * HOUR, start, HOUR)
    ancient = datetime(999, 1, 1, tzinfo=UTC)  # bucket keys stay four-digit years below 1000 too
    far_back = {"started_after": "0999-01-01T00:00:00Z", "started_before": "0999-01-01T01:30:00Z"}
    assert _metrics(counted.carol, **far_back) == _expected_metrics([], ancient, ancient + 2 * HOUR, HOUR)
    # The other user sees their own single run, none of carol's.
    dave_after, dave_before = _span([counted.dave_run])
    dave_report = _metrics(counted.dave, started_after=_iso(dave_after), started_before=_iso(dave_before))
    assert dave_report == _expected_metrics(
        [counted.dave_run], _floor(dave_after, HOUR), _ceil(dave_before, HOUR), HOUR
    )
    assert dave_report["executions"]["total"] == 1 and dave_report["success_rate"] == 1.0


@pytest.mark.parametrize(
    "params",
    [
        {"granularity": "week"},
        {"granularity": "HOUR"},
        {"started_after": "last tuesday"},
        {"started_before": "2026-11-26T08:00:00"},  # no offset
        {"started_after": "2026-11-26T10:00:00Z", "started_before": "2026-11-26T09:00:00Z"},
        {"started_after": "2026-01-01T00:00:00Z", "started_before": "2026-02-01T01:00:00Z"},  # 745 hours
        {"started_after": "2024-01-01T00:00:00Z", "started_before": "2025-01-02T00:00:00Z", "granularity": "day"},
        {"started_after": "9999-12-31T23:30:00Z"},  # the bucket after it is past the last datetime
        {"workflow_id": "not-a-uuid"},
        {"limit": 10},  # not a parameter of this route
    ],
)
def test_bad_metrics_parameters_are_422_with_a_message(counted, params):
    _refused(counted.carol, "/api/metrics", params)


def test_the_range_limit_names_the_bucket_counts(counted):
    message = _refused(
        counted.carol,
        "/api/metrics",
        {"started_after": "2026-01-01T00:00:00Z", "started_before": "2026-02-01T01:00:00Z"},
    )
    assert "745 hour buckets" in message and "at most 744" in message
    widest_hours = _metrics(counted.carol, started_after="2026-01-01T00:00:00Z", started_before="2026-02-01T00:00:00Z")
    assert len(widest_hours["series"]) == 744
    widest_days = {"started_after": "2024-01-01T00:00:00Z", "started_before": "2025-01-01T00:00:00Z"}
    assert len(_metrics(counted.carol, granularity="day", **widest_days)["series"]) == 366


@pytest.mark.parametrize("route", ["/api/logs", "/api/metrics"])
def test_queries_need_a_valid_token(stack, anonymous, route):
    assert anonymous.get(route).status_code == 401
    assert Client(stack, "not.a.jwt").get(route).status_code == 401
