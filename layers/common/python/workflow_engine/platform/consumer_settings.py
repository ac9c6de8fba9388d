"""The settings of the functions that consume events: the reconciler (Step Functions status events), the
notifications consumer and the metrics aggregator (DynamoDB streams).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from workflow_engine.platform.settings import Endpoints, EnvSettings, Networks, split_endpoints, split_networks


class ReconcilerSettings(EnvSettings):
    """The reconciler: the executions table, nothing else."""

    executions_table: str


class NotificationSettings(EnvSettings):
    """The notifications consumer (executions stream): EventBridge events and signed webhook deliveries."""

    workflows_table: str
    notifications_table: str
    webhook_dead_letter_queue_url: str
    event_bus_name: str = "default"
    http_allowed_networks: Networks  # each stack states it (as for the http step)
    http_denied_endpoints: Endpoints  # each stack states it (as for the http step)
    http_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    http_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_max_response_bytes: int = Field(default=65_536, ge=1_024, le=5_000_000)
    # Attempts per delivery (the first included) and full-jitter exponential back-off between them, all inside
    # one invocation (bounded by the function's timeout; see README "Notifications").
    webhook_max_attempts: int = Field(default=4, ge=1, le=10)
    # Each stack states it: 1 s in the cloud, shorter locally (the same full-jitter doubling).
    webhook_backoff_base_seconds: float = Field(ge=0, le=60)
    webhook_backoff_max_seconds: float = Field(default=8.0, ge=0, le=120)

    _networks = field_validator("http_allowed_networks", mode="before")(classmethod(lambda cls, v: split_networks(v)))
    _endpoints = field_validator("http_denied_endpoints", mode="before")(classmethod(lambda cls, v: split_endpoints(v)))


class MetricsSettings(EnvSettings):
    """The metrics aggregator: the metrics table, nothing else."""

    metrics_table: str
