"""Lambda handler of `http` steps: one outbound request, private networks refused unless allowed."""

from workflow_engine.aws import client
from workflow_engine.data.logs import LogRepository
from workflow_engine.observability import correlated, logger, step_keys, tracer
from workflow_engine.settings import StepSettings
from workflow_engine.step_runtime import run_step
from workflow_engine.steps.http_request import run_http

settings = StepSettings.from_env()
logs = LogRepository(client("dynamodb"), settings.logs_table)


@logger.inject_lambda_context
@correlated(step_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> object:
    return run_step(event, lambda config, ctx: run_http(config, ctx, settings), logs, settings.log_payload_max_bytes)
