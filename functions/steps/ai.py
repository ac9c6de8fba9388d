"""Lambda handler of `ai` steps: Amazon Bedrock Converse (or the local stand-in provider)."""

from workflow_engine.aws import client
from workflow_engine.data.logs import LogRepository
from workflow_engine.observability import logger, tracer
from workflow_engine.settings import StepSettings
from workflow_engine.step_runtime import run_step
from workflow_engine.steps.ai import run_ai

settings = StepSettings.from_env()
logs = LogRepository(client("dynamodb"), settings.logs_table)
bedrock = client("bedrock-runtime") if settings.ai_provider == "bedrock" else None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> object:
    return run_step(
        event, lambda config, ctx: run_ai(config, ctx, settings, bedrock), logs, settings.log_payload_max_bytes
    )
