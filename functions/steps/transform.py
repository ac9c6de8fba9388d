"""Lambda handler of `transform` steps: JMESPath over the workflow context."""

from workflow_engine.aws import client
from workflow_engine.data.logs import LogRepository
from workflow_engine.observability import correlated, logger, step_keys, tracer
from workflow_engine.settings import StepSettings
from workflow_engine.step_runtime import run_step
from workflow_engine.steps.transform import run_transform

settings = StepSettings.from_env()
logs = LogRepository(client("dynamodb"), settings.logs_table)


@logger.inject_lambda_context
@correlated(step_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> object:
    return run_step(event, run_transform, logs, settings.log_payload_max_bytes)
