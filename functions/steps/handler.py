"""The Lambda handler of every Lambda-kind step type: `steps.handler.<type>` (e.g. `steps.handler.transform`).

Each step type keeps its own function (infra.catalog: one per Lambda-kind entry of the step registry, with its own
permissions); its handler setting names the type, so a function only ever runs its own type and imports only its
own runner (workflow_engine.models.step_types: runners are imported lazily). The payload's config is validated into
the type's config model once (workflow_engine.steps.dispatch) before the runner sees it.

A type that reads secrets (its function's `reads_secrets`: http, ai) gets the function's `SecretReader`: a Powertools
SecretsProvider, made on the first step that reads one, whose cache (`secrets_max_age_seconds`) lives as long as
the function instance.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from workflow_engine.data.logs import LogRepository
from workflow_engine.data.secrets import SecretReader, secrets_provider
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, logger, step_keys, tracer
from workflow_engine.platform.step_settings import StepSettings
from workflow_engine.steps.dispatch import runner_for
from workflow_engine.steps.runtime import run_step

settings = StepSettings.from_env()
logs = LogRepository(client("dynamodb"), settings.logs_table)

Handler = Callable[[dict, object], object]
StepRunner = Callable[[Any, dict[str, Any]], Any]


@cache
def runner(name: str) -> StepRunner:
    """The step runtime's runner for step type `name`: its runner module is imported here, on the first step."""
    return runner_for(STEP_TYPES[name], settings)


@cache
def secret_reader(name: str) -> SecretReader:
    """Step type `name`'s secret reader (and its cache: one per function, as each type has its own function), made
    by its first step."""
    return SecretReader(
        secrets_provider(client("secretsmanager")), settings.secrets_prefix, settings.secrets_max_age_seconds
    )


def reads_secrets(name: str) -> bool:
    function = STEP_TYPES[name].function
    return function is not None and function.reads_secrets


@cache
def handler_for(name: str) -> Handler:
    """The Lambda handler of step type `name` (a Lambda-kind entry of the registry)."""

    @logger.inject_lambda_context
    @correlated(step_keys)
    @tracer.capture_lambda_handler
    def handler(event: dict, context: object) -> object:
        secrets = secret_reader(name) if reads_secrets(name) else None
        return run_step(event, runner(name), logs, settings.log_payload_max_bytes, secrets)

    handler.__name__ = handler.__qualname__ = name
    return handler


def __getattr__(name: str) -> Handler:
    """`steps.handler.<type>`: how the Lambda runtime (and the local stack) finds a step type's handler."""
    if name not in STEP_TYPES or STEP_TYPES[name].kind != "lambda" or STEP_TYPES[name].own_handler:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return handler_for(name)
