"""The metrics answer (GET /api/metrics): counts are exact; durations come from histograms (see
workflow_engine.models.histogram: within RELATIVE_ACCURACY of the exact value); null where nothing ran."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExecutionCounts(BaseModel):
    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(defer_build=True)

    total: int = Field(description="Executions that finished, counted in the bucket of their start")
    by_status: dict[str, int] = Field(description="completed, failed, cancelled, timed_out")


class Durations(BaseModel):
    model_config = ConfigDict(defer_build=True)

    p50: float | None
    p90: float | None
    p99: float | None
    mean: float | None


class ExecutionDurations(Durations):
    max: float | None


class StepMetrics(BaseModel):
    model_config = ConfigDict(defer_build=True)

    step_name: str
    step_type: str
    workflow_id: str | None = Field(
        description="The workflow the step belongs to: a row is one step of one workflow (two workflows' steps of "
        "the same name are two rows). Null only in the all-workflows view, for attempts recorded before rows "
        "were kept per workflow: those attempts of every workflow's step of that name and type are one row"
    )
    attempts: int
    failures: int
    failure_rate: float | None
    duration_ms: Durations


class SeriesPoint(BaseModel):
    model_config = ConfigDict(defer_build=True)

    start: str = Field(description="UTC start of the bucket")
    total: int
    completed: int
    failed: int
    p50_ms: float | None
    p90_ms: float | None


class MetricsResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    from_: str = Field(alias="from", description="UTC start of the first bucket (started_after, floored)")
    to: str = Field(description="UTC end of the last bucket (started_before, ceiled), exclusive")
    granularity: str
    executions: ExecutionCounts
    success_rate: float | None = Field(description="completed / total; null when none finished")
    duration_ms: ExecutionDurations
    steps: list[StepMetrics]
    series: list[SeriesPoint]
