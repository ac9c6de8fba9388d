"""A test-only step type, added through the step registry alone (tests/infra/test_step_registry.py).

Its config model, its runner and its registry entry are all a new Lambda-kind step type is: `register()` adds it.
It must be called before the modules that derive from the registry are imported (models.workflow, infra.*, api.*),
which is why the test runs it in a fresh interpreter (tests/infra/step_registry_probe.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from workflow_engine.models.config_base import Strict, check_placeholders
from workflow_engine.models.step_types import STEP_TYPES, Permission, StepFunction, StepType
from workflow_engine.steps.placeholders import render

QUEUE_PATTERN = "arn:{partition}:sqs:{region}:{account}:echo-*"


class EchoConfig(Strict):
    message: str = Field(min_length=1, max_length=100)

    _valid = field_validator("message")(classmethod(lambda cls, v: check_placeholders(v)))


def run_echo(config: EchoConfig, context: dict[str, Any], settings: object) -> dict[str, Any]:
    return {"echo": render(config.message, context)}


ECHO = StepType(
    "echo",
    EchoConfig,
    "lambda",
    runner="tests.infra.echo_step:run_echo",
    function=StepFunction(
        "Runs echo steps",
        timeout_seconds=10,
        memory_mb=256,
        permissions=(
            Permission(("sqs:SendMessage",), (QUEUE_PATTERN,), reason="Echo queues are named per test: echo-*."),
        ),
    ),
)


def register() -> StepType:
    return STEP_TYPES.register(ECHO)
