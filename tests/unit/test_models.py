"""Workflow definition rules and execution models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workflow_engine.models.execution import ExecutionStatus, readable_error
from workflow_engine.models.workflow import MAX_STEPS, WorkflowDefinition


def step(name="a", type_="transform", config=None, **extra):
    return {"name": name, "type": type_, "config": config if config is not None else {"expression": "input"}, **extra}


def test_free_text_step_names_are_accepted():
    names = ["Load order", "Bob's call", 'say "hi"', "ünïcode ✓", "a.b [c]", "x" * 80]
    definition = WorkflowDefinition(name="w", steps=[step(n) for n in names])
    assert [s.name for s in definition.steps] == names


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [step("")],
        [step("x" * 81)],
        [step(" padded")],
        [step("tab\there")],
        [step("$reserved")],
        [step("dup"), step("dup")],
        [step(type_="unknown")],
        [step(config={"expression": "foo.["})],
        [step(config={"expression": "input", "extra": 1})],
        [step(type_="wait", config={"seconds": -1})],
        [step(type_="wait", config={"seconds": 1}, retry={"max_attempts": 2})],
        [step(type_="http", config={"url": "not a url"})],
        [step(type_="http", config={"url": "https://x.com", "method": "TRACE"})],
        [step(type_="http", config={"url": "https://x.com/{{ bad.[ }}"})],
        [step(type_="ai", config={"prompt": ""})],
        [step(type_="ai", config={"prompt": "hi", "max_tokens": 0})],
        [step(retry={"max_attempts": 0})],
        [step(timeout_seconds=0)],
        [step(f"s{i}") for i in range(MAX_STEPS + 1)],
    ],
)
def test_invalid_definitions_are_rejected(steps):
    with pytest.raises(ValidationError):
        WorkflowDefinition(name="w", steps=steps)


def test_http_method_is_normalized_and_placeholders_allowed_in_url():
    definition = WorkflowDefinition(
        name="w", steps=[step(type_="http", config={"url": "{{input.url}}", "method": "post"})]
    )
    assert definition.steps[0].config.method == "POST"


def test_terminal_statuses():
    assert {s for s in ExecutionStatus if s.is_terminal} == {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.TIMED_OUT,
    }


@pytest.mark.parametrize(
    ("error", "cause", "expected"),
    [
        (None, None, None),
        (
            "StepFailed",
            '{"errorMessage": "Step \'x\' failed: boom", "errorType": "StepFailed"}',
            "Step 'x' failed: boom",
        ),
        ("States.Timeout", None, "A step exceeded its timeout_seconds"),
        ("Lambda.Unknown", "plain text", "Lambda.Unknown: plain text"),
        ("StartExecutionFailed", "", "StartExecutionFailed"),
    ],
)
def test_readable_error(error, cause, expected):
    assert readable_error(error, cause) == expected


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (
            '{"Error": "StepFailed", "Cause": "{\\"errorMessage\\": \\"Step \'a\' failed: no\\"}"}',
            "Step 'a' failed: no",
        ),
        ('{"Error": "States.Timeout"}', "A step exceeded its timeout_seconds"),
        ('{"Error": "States.Timeout", "Cause": null}', "A step exceeded its timeout_seconds"),
    ],
)
def test_readable_error_of_a_recorded_catch_document(cause, expected):
    error = "States.Timeout" if "Timeout" in cause else "StepFailed"
    assert readable_error(error, cause) == expected
