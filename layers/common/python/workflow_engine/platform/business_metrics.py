"""The engine's business metrics, as CloudWatch embedded metric format (EMF) lines through Powertools.

Each count is serialized and printed at once (a Powertools SingleMetric), so nothing is shared between
invocations or threads (the local stack runs every handler in one process). The `service` dimension is the
engine's, whatever function emits it, so alarms and the dashboard (infra/constructs/observability.py) read
one metric per name. POWERTOOLS_METRICS_DISABLED=true turns emission off, as for any Powertools metric.
"""

from __future__ import annotations

import json
import os

from aws_lambda_powertools.metrics.base import MetricUnit, SingleMetric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from workflow_engine.models.lifecycle import ExecutionStatus

SERVICE = "workflow-engine"
NAMESPACE = "WorkflowEngine"

EXECUTIONS_STARTED = "ExecutionsStarted"
# One per terminal status of the lifecycle, counted when the execution ends: "completed" -> "ExecutionsCompleted",
# "timed_out" -> "ExecutionsTimedOut"...
EXECUTIONS_FINISHED = {
    status.value: "Executions" + status.value.title().replace("_", "")
    for status in ExecutionStatus
    if status.is_terminal
}
STEP_ATTEMPTS = "StepAttempts"  # dimension step_type
STEP_FAILURES = "StepFailures"  # dimension step_type


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Emit ``name`` += ``value`` now, with the engine's service dimension and ``dimensions``."""
    if is_metrics_disabled():
        return
    metric = SingleMetric(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=SERVICE)
    metric.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for dimension, dimension_value in dimensions.items():
        metric.add_dimension(name=dimension, value=dimension_value)
    print(json.dumps(metric.serialize_metric_set(), separators=(",", ":")), flush=True)
