"""What a logs-stream record adds to the metrics: an attempt that ran counts, a step a resume reused does not."""

from __future__ import annotations

from workflow_engine.models.metric_aggregation import contribution_of


def log_image(**extra: object) -> dict[str, object]:
    return {
        "owner_execution": "u#e2",
        "log_key": "2026-04-10T10:00:00.000000Z#l2",
        "id": "l2",
        "execution_id": "e2",
        "user_id": "u",
        "workflow_id": "w",
        "step_name": "Load",
        "step_type": "transform",
        "attempt": 1,
        "duration_ms": 12,
        "timestamp": "2026-04-10T10:00:00.000000Z",
        **extra,
    }


def test_a_logged_attempt_counts_once_on_insert() -> None:
    contribution = contribution_of("INSERT", log_image(), None)
    assert contribution is not None
    assert (contribution.step_name, contribution.marker, contribution.duration_ms) == ("Load", "log#l2", 12)
    assert contribution_of("MODIFY", log_image(), log_image()) is None


def test_a_reused_step_of_a_resumed_execution_is_no_attempt() -> None:
    reused = log_image(reused_from_execution_id="e1", reused_from_log_id="l1")
    assert contribution_of("INSERT", reused, None) is None


def test_an_approval_counts_as_an_attempt_without_its_waiting_time() -> None:
    decided = log_image(step_type="approval", duration_ms=3_600_000, error_message="ApprovalRejected: no")
    contribution = contribution_of("INSERT", decided, None)
    assert contribution is not None
    assert (contribution.step_type, contribution.failed, contribution.duration_ms) == ("approval", True, None)
