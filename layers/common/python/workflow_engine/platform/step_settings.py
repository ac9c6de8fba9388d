"""The step functions' settings: where to log, each step type's limits, the approval's executions table."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from workflow_engine.platform.settings import Endpoints, EnvSettings, split_endpoints, split_networks


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


class ApprovalStepSettings(StepSettings):
    """The approval step's function: the step settings, and the executions table it stores task tokens on."""

    executions_table: str
