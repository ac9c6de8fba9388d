"""The settings of the API functions beyond the shared `ApiSettings` (platform.settings): the workflow and
trigger APIs, the scheduled start, the inbound webhooks, the secrets and query APIs.
"""

from __future__ import annotations

from pydantic import Field

from workflow_engine.platform.settings import MOST_TRIGGERS_PER_WORKFLOW, ApiSettings, EnvSettings


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


class SecretsSettings(EnvSettings):
    """The secrets API: where secrets live and the KMS key that encrypts them (each stack states both)."""

    secrets_prefix: str = Field(min_length=1, max_length=256)
    secrets_kms_key_id: str = Field(min_length=1)


class QuerySettings(EnvSettings):
    """The query API (log search, metrics): the logs and metrics tables, read only."""

    logs_table: str
    metrics_table: str
