"""Lambda handler of `ai` steps: Amazon Bedrock Converse."""

from functools import cache
from typing import Any

from workflow_engine.aws import client
from workflow_engine.data.logs import LogRepository
from workflow_engine.observability import correlated, logger, step_keys, tracer
from workflow_engine.settings import StepSettings
from workflow_engine.step_runtime import run_step
from workflow_engine.steps.ai import make_bedrock_client, run_ai

settings = StepSettings.from_env()
logs = LogRepository(client("dynamodb"), settings.logs_table)


@cache
def bedrock() -> Any:
    """The Bedrock runtime client, made by the first ai step that needs it, with its own timeouts and retries
    (make_bedrock_client: long reads, few SDK retries since the state machine retries)."""
    return make_bedrock_client()


@logger.inject_lambda_context
@correlated(step_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> object:
    return run_step(
        event, lambda config, ctx: run_ai(config, ctx, settings, bedrock()), logs, settings.log_payload_max_bytes
    )
