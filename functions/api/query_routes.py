"""Routes of the query API: the log search across executions (GET /api/logs) and metrics (GET /api/metrics).

Both read one user-scoped partition per page (the caller's own logs index partition, the caller's own metric
buckets), so a page costs what it reads, never what the tables hold.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from api.errors import NEXT_TOKEN, responses
from api.identity import caller_id
from api.query_params import ParentStep, SearchText, StartedAfter, StartedBefore, refuse_unknown_parameters
from workflow_engine.data.logs import LogSearch
from workflow_engine.models.execution import LogSearchResponse
from workflow_engine.models.metric_buckets import Granularity
from workflow_engine.models.metrics import MetricsResponse
from workflow_engine.models.time_range import TimeRange
from workflow_engine.queries.service import QueryService

router = Router()


def _service() -> QueryService:
    return router.context["queries"]


LOG_SEARCH_PARAMETERS = (
    "q",
    "workflow_id",
    "step_type",
    "parent_step",
    "has_error",
    "started_after",
    "started_before",
    "limit",
    "next_token",
)


@router.get(
    "/api/logs",
    summary="Search step logs across all your executions, newest first",
    description=(
        "Each page is one DynamoDB Query over your own logs that reads a bounded number of items, so a page may "
        "hold fewer than `limit` logs (even none) and still carry `X-Next-Token` when filters drop some: follow "
        "the token until it is absent. The date range applies to the log's time (the attempt's start)."
    ),
    responses=responses(200, "Matching step logs, newest first", headers=NEXT_TOKEN),
)
def search_logs(
    q: SearchText = None,
    workflow_id: Annotated[UUID | None, Query()] = None,
    step_type: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    parent_step: ParentStep = None,
    has_error: Annotated[bool | None, Query()] = None,
    started_after: StartedAfter = None,
    started_before: StartedBefore = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[list[LogSearchResponse]]:
    refuse_unknown_parameters(router, *LOG_SEARCH_PARAMETERS)
    search = LogSearch(
        q=q,
        workflow_id=str(workflow_id) if workflow_id else None,
        step_type=step_type,
        parent_step=parent_step,
        has_error=has_error,
        started=TimeRange.parse(started_after, started_before),
    )
    records, token = _service().search_logs(caller_id(router), search, limit, next_token)
    headers = {"X-Next-Token": token} if token else {}
    body = [LogSearchResponse.of(record) for record in records]
    return Response(200, content_types.APPLICATION_JSON, body, headers=headers)


@router.get(
    "/api/metrics",
    summary="Execution and step metrics of a time range, in UTC hour or day buckets",
    description=(
        "Kept incrementally as executions finish and steps run (never computed from the executions at read "
        "time): one Query over your own buckets. Executions count in the bucket of their start, once finished; "
        "step attempts in the bucket of the attempt. The range is widened to whole UTC buckets (`from`, `to`); "
        "by default the last 24 hours (hour) or 30 days (day); at most 744 hour or 366 day buckets. Counts are "
        "exact; percentiles and max are within 5% of the exact value (log-bucketed histograms)."
    ),
    responses=responses(200, "Metrics of the range"),
)
def get_metrics(
    workflow_id: Annotated[UUID | None, Query(description="One workflow; all of yours when absent")] = None,
    started_after: StartedAfter = None,
    started_before: StartedBefore = None,
    granularity: Annotated[Granularity, Query(description="Bucket size (UTC)")] = Granularity.HOUR,
) -> Response[MetricsResponse]:
    refuse_unknown_parameters(router, "workflow_id", "started_after", "started_before", "granularity")
    report = _service().metrics(
        caller_id(router),
        str(workflow_id) if workflow_id else None,
        TimeRange.parse(started_after, started_before),
        granularity,
    )
    # Powertools types the body as the documented schema's model; the report is its JSON dict, which Powertools
    # validates against MetricsResponse at run time (Response accepts any serializable body).
    return Response(200, content_types.APPLICATION_JSON, report)  # type: ignore[arg-type]
