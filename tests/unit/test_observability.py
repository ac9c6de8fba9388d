"""Business metrics (EMF) and correlation keys: what operators read in CloudWatch."""

from __future__ import annotations

import io
import json
import threading

import pytest

from tests.unit.test_step_runtime import FakeLogs, event
from workflow_engine.models.step_errors import StepFailed
from workflow_engine.platform import business_metrics
from workflow_engine.platform.observability import correlated, http_api_keys, logger, step_keys
from workflow_engine.steps.runtime import run_step


def emitted(output: str) -> list[tuple[str, dict]]:
    """(metric name, dimensions) of each EMF line printed."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    result = []
    for line in lines:
        definition = line["_aws"]["CloudWatchMetrics"][0]
        dimensions = {name: line[name] for name in definition["Dimensions"][0]}
        for metric in definition["Metrics"]:
            assert line[metric["Name"]] == [1.0] and metric["Unit"] == "Count"
            result.append((metric["Name"], dimensions))
    return result


def test_a_step_attempt_and_its_failure_are_counted_by_step_type(capsys, monkeypatch):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    run_step(event(), lambda config, context: 1, FakeLogs(), 10_000)

    def fail(config, context):
        raise StepFailed("no")

    with pytest.raises(StepFailed):
        run_step(event(retry_count=1), fail, FakeLogs(), 10_000)
    engine = {"service": business_metrics.SERVICE}
    assert emitted(capsys.readouterr().out) == [
        ("StepAttempts", {**engine, "step_type": "transform"}),
        ("StepAttempts", {**engine, "step_type": "transform"}),
        ("StepFailures", {**engine, "step_type": "transform"}),
    ]


def test_metrics_can_be_turned_off_as_any_powertools_metric(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    business_metrics.count(business_metrics.EXECUTIONS_STARTED)
    assert emitted(capsys.readouterr().out) == []


def test_every_terminal_status_has_a_metric():
    from workflow_engine.models.execution import ExecutionStatus

    assert set(business_metrics.EXECUTIONS_FINISHED) == {
        status.value for status in ExecutionStatus if status.is_terminal
    }


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def test_correlation_keys_are_on_every_line_of_an_invocation_and_only_that_one(log_lines):
    @correlated(step_keys)
    def handler(event, context):
        logger.info("working")
        return "ok"

    handler({"execution_id": "e-1", "workflow_id": "w-1", "user_id": "u-1"}, None)
    handler({"execution_id": "e-2"}, None)
    first, second = log_lines()
    assert (first["execution_id"], first["workflow_id"], first["user_id"]) == ("e-1", "w-1", "u-1")
    assert second["execution_id"] == "e-2" and "workflow_id" not in second and "user_id" not in second


def test_concurrent_invocations_keep_their_own_keys(log_lines):
    barrier = threading.Barrier(2)

    @correlated(step_keys)
    def handler(event, context):
        barrier.wait()
        logger.info("working")

    threads = [threading.Thread(target=handler, args=({"execution_id": f"e-{n}"}, None)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(line["execution_id"] for line in log_lines()) == ["e-0", "e-1"]


def test_http_api_events_give_the_caller_and_the_path_ids():
    event = {
        "requestContext": {"authorizer": {"jwt": {"claims": {"sub": "u-9"}}}},
        "pathParameters": {"execution_id": "e-9"},
    }
    assert http_api_keys(event) == {"user_id": "u-9", "workflow_id": None, "execution_id": "e-9"}
    assert http_api_keys({}) == {"user_id": None, "workflow_id": None, "execution_id": None}
