"""The query service (GET /api/logs, GET /api/metrics): reads only, each on the caller's own partitions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflow_engine.data.logs import LogRepository, LogSearch
from workflow_engine.data.metrics import ALL_WORKFLOWS, MetricsRepository
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.metric_buckets import BucketRange, Granularity
from workflow_engine.models.time_range import TimeRange
from workflow_engine.queries.metrics_report import build_report


class QueryService:
    def __init__(self, logs: LogRepository, metrics: MetricsRepository) -> None:
        self._logs = logs
        self._metrics = metrics

    def search_logs(
        self, user_id: str, search: LogSearch, limit: int, next_token: str | None = None
    ) -> tuple[list[LogRecord], str | None]:
        """Across all of the user's executions, newest first: one bounded Query per page."""
        if search.started.is_empty:
            return [], None
        return self._logs.search(user_id, search, limit, next_token)

    def metrics(
        self,
        user_id: str,
        workflow_id: str | None,
        started: TimeRange,
        granularity: Granularity,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Aggregates of the range, widened to whole UTC buckets: one Query on the caller's own partition of
        the scope (the workflow, or all workflows), whatever the number of executions in it."""
        buckets = BucketRange.covering(started.after, started.before, granularity, now or datetime.now(UTC))
        items = self._metrics.read(user_id, workflow_id or ALL_WORKFLOWS, buckets)
        return build_report(items, buckets, workflow_id)
