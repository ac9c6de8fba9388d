"""Typed settings, parsed once from the environment by each handler at cold start and passed in.

Each function reads only the settings it needs. The settings without a default are what a stack must provide:
the CDK stack and the local stack set exactly those (`stack_settings`), for every function, from the same list.

This module holds the base, the tables and the API settings the execution and workflow APIs share; each other
family of functions has its module (api_settings, step_settings, consumer_settings, realtime_settings), so a
cold start defines only its own family's models (pydantic builds each class at import: about 0.3 ms apiece).
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


def step_function_arn_variables() -> dict[str, str]:
    """Step type -> the variable holding its function's ARN, e.g. "transform" -> "TRANSFORM_FUNCTION_ARN"."""
    from workflow_engine.models.step_types import STEP_TYPES

    return {step_type.name: f"{step_type.name.upper()}_FUNCTION_ARN" for step_type in STEP_TYPES.lambda_types()}
