"""The execution lifecycle (workflow_engine.models.lifecycle) is defined once, completely, and every copy agrees
with it."""

from __future__ import annotations

import json

import pytest

from workflow_engine.models import execution, workflow
from workflow_engine.models.lifecycle import (
    ACTIVE,
    RETRYABLE,
    TERMINAL,
    TRANSITIONS,
    ExecutionStatus,
    allowed_from,
    user_status_key,
)
from workflow_engine.platform import business_metrics

STATUSES = [status.value for status in ExecutionStatus]
TERMINAL_VALUES = [status.value for status in ExecutionStatus if status.is_terminal]


def test_every_status_is_either_active_or_terminal():
    for status in ExecutionStatus:
        assert (status in ACTIVE) != (status in TERMINAL), status
        assert status.is_active is (status in ACTIVE) and status.is_terminal is (status in TERMINAL)
    assert set(ExecutionStatus) == ACTIVE | TERMINAL


def test_the_transitions_cover_every_status_and_no_terminal_status_moves():
    assert set(TRANSITIONS) == set(ExecutionStatus)
    for status, targets in TRANSITIONS.items():
        assert targets <= set(ExecutionStatus) and status not in targets
        assert not targets if status.is_terminal else targets
    # Every status but the first one written is reachable.
    assert {target for targets in TRANSITIONS.values() for target in targets} == set(ExecutionStatus) - {
        ExecutionStatus.PENDING
    }


def test_retryable_statuses_are_the_terminal_ones_but_completed():
    assert TERMINAL - {ExecutionStatus.COMPLETED} == RETRYABLE


@pytest.mark.parametrize(
    ("to_status", "expected"),
    [
        # The state machine's own writes (workflow_engine.asl.compiler): "$mark running", "$record success",
        # "$record failure", "$record timeout".
        (ExecutionStatus.RUNNING, (ExecutionStatus.PENDING,)),
        (ExecutionStatus.COMPLETED, (ExecutionStatus.RUNNING,)),
        (ExecutionStatus.FAILED, (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)),
        (ExecutionStatus.TIMED_OUT, (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)),
        # A cancel, before or after the first step.
        (ExecutionStatus.CANCELLED, (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)),
        (ExecutionStatus.PENDING, ()),
    ],
)
def test_allowed_from_is_the_condition_of_each_write_in_a_stable_order(to_status, expected):
    assert allowed_from(to_status) == expected


def test_the_user_status_key_is_the_user_and_the_status():
    assert user_status_key("u-1", ExecutionStatus.TIMED_OUT) == "u-1#timed_out"


def test_models_reexport_the_lifecycle_status():
    assert execution.ExecutionStatus is ExecutionStatus


def test_business_metrics_count_each_terminal_status_under_its_published_name():
    assert business_metrics.EXECUTIONS_FINISHED == {
        "completed": "ExecutionsCompleted",
        "failed": "ExecutionsFailed",
        "cancelled": "ExecutionsCancelled",
        "timed_out": "ExecutionsTimedOut",
    }
    assert list(business_metrics.EXECUTIONS_FINISHED) == TERMINAL_VALUES


def test_the_openapi_document_carries_the_lifecycle_to_the_clients():
    """The web app and the CLI cannot import the layer: they read the statuses from the document (served at
    /openapi.json; tests/e2e/browser/test_web_vocabulary.py and tests/unit/test_wfe_vocabulary.py)."""
    from api.openapi import openapi_json

    status = json.loads(openapi_json())["components"]["schemas"]["ExecutionStatus"]
    assert status["enum"] == STATUSES
    assert status["x-terminal-statuses"] == TERMINAL_VALUES
    assert status["x-retryable-statuses"] == [status.value for status in ExecutionStatus if status in RETRYABLE]


def test_the_last_copies_agree_with_the_lifecycle():
    """The CLI's end-of-run check (`run --wait`, `logs --follow`) still holds its own list, so that waiting needs
    no request; the models' list is the layer's."""
    from wfe import errors

    assert list(errors.TERMINAL_STATUSES) == TERMINAL_VALUES
    assert list(workflow.TERMINAL_STATUSES) == TERMINAL_VALUES


def test_the_repository_refuses_a_move_the_lifecycle_does_not_have():
    from workflow_engine.data.executions import ExecutionRepository
    from workflow_engine.models.execution import ExecutionRecord

    record = ExecutionRecord(
        execution_id="e-1",
        user_id="u-1",
        workflow_id="w-1",
        workflow_version=1,
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:wf",
        status=ExecutionStatus.RUNNING,
        started_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    nothing_called = object()  # no DynamoDB call is made: the move is refused before
    repository = ExecutionRepository(nothing_called, "executions")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no move to pending"):
        repository.transition(record, ExecutionStatus.PENDING, "2026-01-01T00:00:01Z")
