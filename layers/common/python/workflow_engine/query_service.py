"""The query service (GET /api/logs, GET /api/metrics): reads only, each on the caller's own partitions."""

from __future__ import annotations

from workflow_engine.data.logs import LogRepository, LogSearch
from workflow_engine.models.execution import LogRecord


class QueryService:
    def __init__(self, logs: LogRepository) -> None:
        self._logs = logs

    def search_logs(
        self, user_id: str, search: LogSearch, limit: int, next_token: str | None = None
    ) -> tuple[list[LogRecord], str | None]:
        """Across all of the user's executions, newest first: one bounded Query per page."""
        if search.started.is_empty:
            return [], None
        return self._logs.search(user_id, search, limit, next_token)
