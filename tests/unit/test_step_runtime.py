"""One attempt of one step: output returned, exactly one log item written, errors classified."""

from __future__ import annotations

import pytest

from workflow_engine.models.execution import is_internal_error
from workflow_engine.models.step_errors import (
    STEP_ERROR_NAMES,
    SecretNotFound,
    StepFailed,
    StepRetryable,
    UnsafeTarget,
)
from workflow_engine.steps.runtime import MAX_OUTPUT_BYTES, MAX_OUTPUT_DEPTH, run_step


class FakeLogs:
    def __init__(self):
        self.items = []

    def put(self, record):
        self.items.append(record)


def event(retry_count=0, config_json='{"expression":"input"}'):
    return {
        "execution_id": "e1",
        "workflow_id": "w1",
        "user_id": "u1",
        "retry_count": retry_count,
        "step": {"key": "s1", "name": "Second", "type": "transform", "config_json": config_json},
        "step_names": {"s0": "First"},
        "document": {"input": {"a": 1}, "results": {"s0": {"output": 2}}},
    }


def test_success_logs_context_and_output():
    logs = FakeLogs()
    output = run_step(event(), lambda config, context: {"saw": context}, logs, 10_000)
    expected_context = {"input": {"a": 1}, "steps": {"First": {"output": 2}}}
    assert output == {"saw": expected_context}
    [item] = logs.items
    assert item.attempt == 1 and item.step_name == "Second" and item.error_message is None
    assert item.input_data == expected_context and item.output_data == output


@pytest.mark.parametrize(
    ("raised", "error_name"),
    [
        (StepFailed("bad", details={"response": {"status": 400}}), "StepFailed"),
        (StepRetryable("503"), "StepRetryable"),
        (UnsafeTarget("no"), "UnsafeTarget"),
        (SecretNotFound.named("API_KEY"), "SecretNotFound"),
    ],
)
def test_step_errors_keep_their_class_name_as_the_lambda_error_type_and_are_logged(raised, error_name):
    """The class name is the errorType Lambda reports and Step Functions' Retry/Catch match on."""
    logs = FakeLogs()
    expected = type(raised)

    def runner(config, context):
        raise raised

    with pytest.raises(expected) as caught:
        run_step(event(retry_count=2), runner, logs, 10_000)
    assert type(caught.value) is expected and type(caught.value).__name__ == error_name
    assert str(caught.value) == f"Step 'Second' failed: {raised}"
    [item] = logs.items
    assert item.attempt == 3 and item.error_message == str(caught.value)
    assert item.output_data == raised.details


class TlsRefused(StepFailed):
    """A finer failure a step might define one day: not a name the compiled Retry/Catch know."""


class ThrottledHard(StepRetryable):
    pass


@pytest.mark.parametrize(
    ("raised", "error_name"), [(TlsRefused("tls"), "StepFailed"), (ThrottledHard("429"), "StepRetryable")]
)
def test_a_subclass_is_reported_under_the_nearest_name_retry_and_catch_match(raised, error_name):
    logs = FakeLogs()

    def runner(config, context):
        raise raised

    with pytest.raises(StepFailed) as caught:
        run_step(event(), runner, logs, 10_000)
    assert type(caught.value).__name__ == error_name and not is_internal_error(error_name)
    assert str(caught.value) == f"Step 'Second' failed: {raised}" == logs.items[0].error_message


def test_the_step_error_names_are_the_ones_the_engine_treats_as_user_facing():
    assert STEP_ERROR_NAMES == ("StepFailed", "StepRetryable", "UnsafeTarget", "SecretNotFound")
    assert not any(is_internal_error(name) for name in STEP_ERROR_NAMES)


def test_internal_error_is_logged_and_reraised():
    logs = FakeLogs()
    with pytest.raises(ZeroDivisionError):
        run_step(event(), lambda config, context: 1 / 0, logs, 10_000)
    assert "internal error (ZeroDivisionError)" in logs.items[0].error_message


def test_oversized_output_fails_with_the_limit_and_large_logs_are_capped():
    logs = FakeLogs()
    with pytest.raises(StepFailed, match=str(MAX_OUTPUT_BYTES)):
        run_step(event(), lambda config, context: "x" * (MAX_OUTPUT_BYTES + 1), logs, 10_000)
    logs = FakeLogs()
    run_step(event(), lambda config, context: "y" * 50_000, logs, 2_000)
    assert logs.items[0].output_truncated and logs.items[0].output_data["truncated"] is True


def nested(depth):
    value = {"deepest": True}
    for _ in range(depth):
        value = [value]
    return value


def test_the_config_reaches_the_runner_exactly_as_written():
    seen = []
    run_step(
        event(config_json='{"body":{"x.$":"$$"}}'), lambda config, context: seen.append(config), FakeLogs(), 10_000
    )
    assert seen == [{"body": {"x.$": "$$"}}]


def test_a_machine_compiled_before_config_json_still_sends_its_config_as_an_object():
    legacy = event()
    legacy["step"] = {"key": "s1", "name": "Second", "type": "transform", "config": {"expression": "input"}}
    seen = []
    run_step(legacy, lambda config, context: seen.append(config), FakeLogs(), 10_000)
    assert seen == [{"expression": "input"}]


@pytest.mark.parametrize("depth", [300, 5_000])
def test_a_deeply_nested_output_fails_the_step_saying_why_and_its_log_is_written_truncated(depth):
    logs = FakeLogs()
    with pytest.raises(StepFailed, match=f"output is nested deeper than {MAX_OUTPUT_DEPTH} levels"):
        run_step(event(), lambda config, context: nested(depth), logs, 10_000)
    [item] = logs.items
    assert item.output_truncated and item.output_data["truncated"] is True
    assert item.output_data["preview"].startswith("[[[") and "nested deeper than" in item.error_message
    assert not item.input_truncated


def test_an_output_as_deep_as_allowed_is_returned_and_logged_whole():
    logs = FakeLogs()
    output = nested(MAX_OUTPUT_DEPTH - 1)
    assert run_step(event(), lambda config, context: output, logs, 100_000) == output
    assert logs.items[0].output_data == output and not logs.items[0].output_truncated


def test_the_log_says_where_a_nested_step_ran():
    logs = FakeLogs()
    run_step({**event(), "parent_step": "each", "iteration": 2}, lambda config, context: 1, logs, 10_000)
    run_step(event(), lambda config, context: 1, logs, 10_000)  # top level, or a machine compiled before
    nested, top = logs.items
    assert (nested.parent_step, nested.iteration) == ("each", 2)
    assert (top.parent_step, top.iteration) == (None, None)
