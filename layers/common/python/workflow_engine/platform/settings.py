"""Typed settings, parsed once from the environment by each handler at cold start and passed in.

Each function reads only the settings it needs. The settings without a default are what a stack must provide:
the CDK stack and the local stack set exactly those (`stack_settings`), for every function, from the same list.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Set by the Lambda runtime itself (a stack may not set them); the local stack's runtime sets them likewise.
RUNTIME_VARIABLES = frozenset({"AWS_REGION"})

# The highest per-workflow trigger cap an operator may set (MAX_TRIGGERS_PER_WORKFLOW): no workflow holds more.
MOST_TRIGGERS_PER_WORKFLOW = 100


class EnvSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Build the settings from environment variables named like the fields, upper-cased."""
        return cls(**cls.env_values(os.environ if environ is None else environ))

    @classmethod
    def env_values(cls, environ: Mapping[str, str]) -> dict[str, object]:
        """The fields' values found in `environ` (what `from_env` builds the settings from)."""
        return {name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ}

    @classmethod
    def stack_settings(cls) -> tuple[str, ...]:
        """The environment variables a stack sets for a function with these settings: the fields without a
        default, upper-cased (every other field keeps its default unless an operator sets it), except those the
        Lambda runtime sets itself."""
        return tuple(
            name.upper()
            for name, field in cls.model_fields.items()
            if field.is_required() and name.upper() not in RUNTIME_VARIABLES
        )


_EnvSettings = EnvSettings  # the former name


def split_networks(value: object) -> object:
    """ "10.0.0.0/8, ::1/128" -> (IPv4Network, IPv6Network); other values pass through to pydantic."""
    if isinstance(value, str):
        return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip())
    return value


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
# (network, port) pairs: host:port endpoints an outbound request may not reach even inside the allowed networks.
Endpoints = tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int], ...]


def split_endpoints(value: object) -> object:
    """ "127.0.0.0/8:4566, ::1/128:4566" -> ((IPv4Network, 4566), (IPv6Network, 4566)); a bare address is its
    /32 or /128. Other values pass through to pydantic."""
    if isinstance(value, str):
        pairs = (part.strip().rsplit(":", 1) for part in value.split(",") if part.strip())
        return tuple((ipaddress.ip_network(host.strip("[]")), int(port)) for host, port in pairs)
    return value


class TableSettings(EnvSettings):
    workflows_table: str
    executions_table: str
    logs_table: str


class ApiSettings(TableSettings):
    """The API functions: tables, state machine lifecycle, idempotency."""

    idempotency_table: str
    state_machine_prefix: str = Field(min_length=1, max_length=40)
    states_role_arn: str
    state_machine_log_group_arn: str = Field(min_length=1)  # where the state machines' logs go
    # Step type -> the ARN of its function, for every Lambda-kind type of the step registry: read from one
    # variable per type, <TYPE>_FUNCTION_ARN (step_function_arn_variables), which each stack sets.
    step_function_arns: dict[str, str]
    # A non-terminal execution not updated for this long is refreshed from DescribeExecution on read.
    stale_after_seconds: int = Field(default=30, ge=0)
    idempotency_ttl_seconds: int = Field(default=3600, ge=60)
    notifications_table: str
    # The http steps' allowed networks, also where a webhook url may point (and, only there, with http://).
    # Each stack states it.
    http_allowed_networks: Networks
    # The stack's own endpoints (host:port, comma separated): refused to http steps and webhooks even inside the
    # allowed networks (the local stack's AWS endpoint, API and WebSocket ports on loopback). Each stack states it.
    http_denied_endpoints: Endpoints

    _networks = field_validator("http_allowed_networks", mode="before")(classmethod(lambda cls, v: split_networks(v)))
    _endpoints = field_validator("http_denied_endpoints", mode="before")(classmethod(lambda cls, v: split_endpoints(v)))

    @field_validator("step_function_arns")
    @classmethod
    def _every_step_type(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [variable for name, variable in step_function_arn_variables().items() if not value.get(name)]
        if missing:
            raise ValueError(f"no function ARN for {', '.join(missing)}")
        return value

    @classmethod
    def env_values(cls, environ: Mapping[str, str]) -> dict[str, object]:
        variables = step_function_arn_variables().items()
        arns = {name: environ[variable] for name, variable in variables if variable in environ}
        return {**super().env_values(environ), "step_function_arns": arns}

    @classmethod
    def stack_settings(cls) -> tuple[str, ...]:
        fields = tuple(name for name in super().stack_settings() if name != "STEP_FUNCTION_ARNS")
        return (*fields, *step_function_arn_variables().values())


class WorkflowDependentsSettings(EnvSettings):
    """Where a workflow's schedules and inbound webhook triggers are (each stack states these)."""

    schedules_table: str
    schedule_group_name: str = Field(min_length=1, max_length=64)
    triggers_table: str


class WorkflowsApiSettings(ApiSettings, WorkflowDependentsSettings):
    """The workflow API: the API settings, and where a workflow's schedules and triggers are, which deleting the
    workflow deletes (api.workflow_dependents). It creates neither: TriggersApiSettings' function does."""


class TriggersApiSettings(WorkflowDependentsSettings):
    """A workflow's schedules and inbound webhook triggers (api.triggers): the workflows they belong to, what a
    schedule invokes, and the KMS key that seals the triggers' secrets (each stack states these)."""

    workflows_table: str
    scheduled_start_function_arn: str = Field(min_length=1)  # the schedules' target
    scheduler_role_arn: str = Field(min_length=1)  # the role Scheduler assumes to invoke it
    schedule_dead_letter_queue_arn: str = Field(min_length=1)  # firings that failed every retry
    secrets_kms_key_id: str = Field(min_length=1)
    max_triggers_per_workflow: int = Field(default=10, ge=1, le=MOST_TRIGGERS_PER_WORKFLOW)


class ScheduledStartSettings(ApiSettings):
    """The scheduled-start function: starts runs as the execution API does, and reads and marks schedules."""

    schedules_table: str


class WebhookSettings(EnvSettings):
    """The inbound webhook function (POST /api/hooks/{trigger_id}): it reads triggers and decrypts their secrets,
    and starts executions (the workflows and executions tables, Step Functions)."""

    workflows_table: str
    executions_table: str
    triggers_table: str
    secrets_kms_key_id: str = Field(min_length=1)
    # Starts per trigger per window (a fixed window counted with a conditional update: README "Inbound webhooks").
    webhook_rate_limit: int = Field(default=60, ge=1, le=10_000)
    webhook_rate_window_seconds: int = Field(default=60, ge=1, le=3_600)
    # How long a delivery id is remembered (a replay within it starts nothing); beyond the 300 s clock window.
    webhook_delivery_ttl_seconds: int = Field(default=86_400, ge=600)


def step_function_arn_variables() -> dict[str, str]:
    """Step type -> the variable holding its function's ARN, e.g. "transform" -> "TRANSFORM_FUNCTION_ARN"."""
    from workflow_engine.models.step_types import STEP_TYPES

    return {step_type.name: f"{step_type.name.upper()}_FUNCTION_ARN" for step_type in STEP_TYPES.lambda_types()}


class StepSettings(EnvSettings):
    """The step functions: where to log, and the limits of each step type."""

    logs_table: str
    log_payload_max_bytes: int = Field(default=32_768, ge=1_024, le=200_000)
    # Networks the http step may reach although private, loopback or link-local (CIDRs, comma separated;
    # empty: none). Each stack states it.
    http_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    # The stack's own endpoints (host:port, comma separated): refused to http steps and webhooks even inside the
    # allowed networks (the local stack's AWS endpoint, API and WebSocket ports on loopback). Each stack states it.
    http_denied_endpoints: Endpoints
    http_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    http_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_max_response_bytes: int = Field(default=200_000, ge=1_024, le=5_000_000)
    ai_default_model_id: str = "amazon.nova-micro-v1:0"
    ai_max_tokens_limit: int = Field(default=4_096, ge=1)
    # Where the users' secrets live (`<prefix>/<user id>/<name>` in Secrets Manager); each stack states it.
    secrets_prefix: str = Field(min_length=1, max_length=256)
    # How long a step function keeps a secret value it read (Powertools parameters cache): a changed or deleted
    # secret is seen by warm functions within this many seconds.
    secrets_max_age_seconds: int = Field(default=60, ge=0, le=3_600)

    @field_validator("http_allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        return split_networks(value)

    _endpoints = field_validator("http_denied_endpoints", mode="before")(classmethod(lambda cls, v: split_endpoints(v)))


class SecretsSettings(EnvSettings):
    """The secrets API: where secrets live and the KMS key that encrypts them (each stack states both)."""

    secrets_prefix: str = Field(min_length=1, max_length=256)
    secrets_kms_key_id: str = Field(min_length=1)


class ApprovalStepSettings(StepSettings):
    """The approval step's function: the step settings, and the executions table it stores task tokens on."""

    executions_table: str


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


class QuerySettings(EnvSettings):
    """The query API (log search, metrics): the logs and metrics tables, read only."""

    logs_table: str
    metrics_table: str


class MetricsSettings(EnvSettings):
    """The metrics aggregator: the metrics table, nothing else."""

    metrics_table: str


class RealtimeSettings(EnvSettings):
    """The WebSocket route functions ($connect, $disconnect, subscribe/unsubscribe)."""

    connections_table: str
    workflows_table: str
    executions_table: str
    # API Gateway closes a WebSocket connection after 2 hours at most; its item ages out a little later.
    connection_ttl_seconds: int = Field(default=7_500, ge=60)
    # Caps (README "Live updates"): one user's connections cannot grow the notifier's fan-out without bound.
    max_connections_per_user: int = Field(default=20, ge=1, le=1_000)
    max_subscriptions_per_connection: int = Field(default=100, ge=1, le=1_000)


class NotifierSettings(EnvSettings):
    """The notifier: where connections are listed and where messages are posted."""

    connections_table: str
    # The WebSocket API's management endpoint: https://{api-id}.execute-api.{region}.amazonaws.com/{stage}.
    websocket_callback_url: str = Field(min_length=1)
    # A batch's posts go through one pool of this many threads; each post gives up after the timeouts (no retry:
    # a message missed is read back with GET, and a slow connection must not hold the others).
    post_concurrency: int = Field(default=16, ge=1, le=64)
    post_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=10)
    post_read_timeout_seconds: float = Field(default=2.0, gt=0, le=30)


class AuthorizerSettings(EnvSettings):
    """The WebSocket `$connect` authorizer: which pool and app client issue accepted tokens."""

    user_pool_id: str = Field(min_length=1)
    user_pool_client_id: str = Field(min_length=1)
    aws_region: str = Field(min_length=1)
    # Where the pool's signing keys are: <issuer>/.well-known/jwks.json in AWS; moto serves them under its endpoint.
    jwks_url: str = Field(min_length=1)
