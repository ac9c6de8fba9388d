"""The metrics answer (GET /api/metrics), composed from the bucket and step items of a range: pure."""

from __future__ import annotations

from typing import Any

from workflow_engine.data.metrics import STEP_INFIX, histogram_of
from workflow_engine.models.execution import ExecutionStatus
from workflow_engine.models.histogram import maximum, merge, percentile
from workflow_engine.models.metric_buckets import BucketRange, format_bucket

TERMINAL_STATUSES = [status.value for status in ExecutionStatus if status.is_terminal]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _ms(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _durations(histogram: dict[int, int], total_ms: int, count: int) -> dict[str, float | None]:
    return {
        "p50": _ms(percentile(histogram, 0.5)),
        "p90": _ms(percentile(histogram, 0.9)),
        "p99": _ms(percentile(histogram, 0.99)),
        "mean": _ms(total_ms / count) if count else None,
    }


def step_workflow(item: dict[str, Any], scope_workflow_id: str | None) -> str | None:
    """The workflow a step item counts: the one it names; else the partition's (a workflow's own partition); else
    None (an all-workflows item from before step items named their workflow: data.metrics.step_sort_suffix)."""
    return item.get("workflow_id") or scope_workflow_id


def build_report(
    items: list[dict[str, Any]], buckets: BucketRange, scope_workflow_id: str | None = None
) -> dict[str, Any]:
    """The report of a range's items: one step row per workflow, step type and step name (two workflows' steps of
    the same name are two rows). `scope_workflow_id`: the workflow whose partition was read, None for all."""
    bucket_items = {item["sk"]: item for item in items if STEP_INFIX not in item["sk"]}
    step_items = [item for item in items if STEP_INFIX in item["sk"]]

    total = sum(int(item.get("executions", 0)) for item in bucket_items.values())
    by_status = {
        status: sum(int(item.get(f"status_{status}", 0)) for item in bucket_items.values())
        for status in TERMINAL_STATUSES
    }
    histogram = merge(histogram_of(item) for item in bucket_items.values())
    durations = _durations(
        histogram,
        sum(int(item.get("duration_sum", 0)) for item in bucket_items.values()),
        sum(int(item.get("duration_count", 0)) for item in bucket_items.values()),
    )
    durations["max"] = _ms(maximum(histogram))

    steps: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in step_items:
        step_key = (step_workflow(item, scope_workflow_id) or "", item["step_name"], item["step_type"])
        step = steps.setdefault(step_key, {"attempts": 0, "failures": 0, "sum": 0, "count": 0, "histograms": []})
        step["attempts"] += int(item.get("attempts", 0))
        step["failures"] += int(item.get("failures", 0))
        step["sum"] += int(item.get("duration_sum", 0))
        step["count"] += int(item.get("duration_count", 0))
        step["histograms"].append(histogram_of(item))

    series = []
    for key in buckets.bucket_keys():
        item = bucket_items.get(key, {})
        bucket_histogram = histogram_of(item)
        series.append(
            {
                "start": key,
                "total": int(item.get("executions", 0)),
                "completed": int(item.get("status_completed", 0)),
                "failed": int(item.get("status_failed", 0)),
                "p50_ms": _ms(percentile(bucket_histogram, 0.5)),
                "p90_ms": _ms(percentile(bucket_histogram, 0.9)),
            }
        )
    return {
        "from": format_bucket(buckets.start),
        "to": format_bucket(buckets.end),
        "granularity": buckets.granularity.value,
        "executions": {"total": total, "by_status": by_status},
        "success_rate": _ratio(by_status[ExecutionStatus.COMPLETED.value], total),
        "duration_ms": durations,
        "steps": [
            {
                "step_name": name,
                "step_type": step_type,
                "workflow_id": workflow_id or None,
                "attempts": step["attempts"],
                "failures": step["failures"],
                "failure_rate": _ratio(step["failures"], step["attempts"]),
                "duration_ms": _durations(merge(step["histograms"]), step["sum"], step["count"]),
            }
            for (workflow_id, name, step_type), step in sorted(steps.items())
        ],
        "series": series,
    }
