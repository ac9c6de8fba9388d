"""Step rows of the metrics report: one per step of one workflow (workflow_engine.queries.metrics_report and the
sort keys of workflow_engine.data.metrics), pure."""

from __future__ import annotations

from datetime import UTC, datetime

from workflow_engine.data.metrics import ALL_WORKFLOWS, step_sort_suffix
from workflow_engine.models.metric_aggregation import Contribution
from workflow_engine.models.metric_buckets import BucketRange, Granularity
from workflow_engine.queries.metrics_report import build_report

DAY = datetime(2026, 4, 10, tzinfo=UTC)
BUCKETS = BucketRange.covering(DAY, DAY.replace(hour=23), Granularity.DAY, DAY)
A, B = "aaaaaaaa-0000-0000-0000-000000000000", "bbbbbbbb-0000-0000-0000-000000000000"


def _step(sk_suffix: str, name: str, attempts: int, failures: int, workflow_id: str | None, ms: int = 10) -> dict:
    item = {"sk": f"2026-04-10T00:00:00Z{sk_suffix}", "step_name": name, "step_type": "transform"}
    item |= {"attempts": attempts, "failures": failures, "duration_sum": ms * attempts, "duration_count": attempts}
    return item | ({"workflow_id": workflow_id} if workflow_id else {})


def _rows(report: dict) -> list[tuple]:
    return [(s["workflow_id"], s["step_name"], s["attempts"], s["failures"]) for s in report["steps"]]


def test_two_workflows_steps_of_the_same_name_are_two_rows():
    items = [
        _step(f"#step#{B}#transform#Build greeting", "Build greeting", 2, 1, B, ms=30),
        _step(f"#step#{A}#transform#Build greeting", "Build greeting", 3, 0, A),
        _step(f"#step#{A}#transform#Send", "Send", 1, 0, A),
    ]
    report = build_report(items, BUCKETS)
    assert _rows(report) == [(A, "Build greeting", 3, 0), (A, "Send", 1, 0), (B, "Build greeting", 2, 1)]
    assert report["steps"][2]["failure_rate"] == 0.5 and report["steps"][2]["duration_ms"]["mean"] == 30


def test_items_of_one_step_over_several_buckets_are_one_row():
    later = _step(f"#step#{A}#transform#S", "S", 4, 1, A) | {"sk": f"2026-04-11T00:00:00Z#step#{A}#transform#S"}
    report = build_report([_step(f"#step#{A}#transform#S", "S", 1, 0, A), later], BUCKETS)
    assert _rows(report) == [(A, "S", 5, 1)]


def test_a_workflows_own_partition_names_its_workflow_on_items_that_do_not():
    items = [_step("#step#transform#S", "S", 2, 0, None)]  # a workflow partition's item from before workflow_id
    assert _rows(build_report(items, BUCKETS, A)) == [(A, "S", 2, 0)]


def test_all_workflows_items_from_before_rows_named_their_workflow_are_one_row_without_one():
    items = [_step("#step#transform#S", "S", 5, 1, None), _step(f"#step#{A}#transform#S", "S", 1, 0, A)]
    assert _rows(build_report(items, BUCKETS)) == [(None, "S", 5, 1), (A, "S", 1, 0)]


def test_the_all_workflows_sort_key_names_the_workflow_and_a_workflows_own_does_not_need_to():
    contribution = Contribution(
        user_id="u", workflow_id=A, moment=DAY, marker="log#1", duration_ms=5, step_name="Build greeting",
        step_type="transform",
    )  # fmt: skip
    assert step_sort_suffix(contribution, ALL_WORKFLOWS) == f"#step#{A}#transform#Build greeting"
    assert step_sort_suffix(contribution, A) == "#step#transform#Build greeting"
    other = Contribution(**{**contribution.__dict__, "workflow_id": B})
    assert step_sort_suffix(other, ALL_WORKFLOWS) != step_sort_suffix(contribution, ALL_WORKFLOWS)
