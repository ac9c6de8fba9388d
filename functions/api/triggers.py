"""Lambda handler of a workflow's schedules and inbound webhook triggers (/api/workflows/{id}/schedules...,
/api/workflows/{id}/triggers...).

A function of its own, apart from the workflow API: it alone may create schedules (passing the Scheduler role)
and seal trigger secrets (kms:Encrypt), and it manages no state machine; the workflow API's requests do not load
the schedule and trigger modules.
"""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.errors import register_error_handlers
from api.request_body import parse_json_body
from api.schedule_routes import router as schedule_router
from api.trigger_routes import router as trigger_router
from workflow_engine.data.scheduler import SchedulerGateway, SchedulerTarget
from workflow_engine.data.schedules import ScheduleRepository
from workflow_engine.data.trigger_secrets import TriggerSecretBox
from workflow_engine.data.triggers import TriggerRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.platform.api_settings import TriggersApiSettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.schedules.service import ScheduleService
from workflow_engine.triggers.manage import TriggerService

settings = TriggersApiSettings.from_env()
dynamodb = client("dynamodb")
workflows = WorkflowRepository(dynamodb, settings.workflows_table)
schedules = ScheduleService(
    ScheduleRepository(dynamodb, settings.schedules_table),
    SchedulerGateway(
        client("scheduler"),
        SchedulerTarget(
            group_name=settings.schedule_group_name,
            function_arn=settings.scheduled_start_function_arn,
            role_arn=settings.scheduler_role_arn,
            dead_letter_queue_arn=settings.schedule_dead_letter_queue_arn,
        ),
    ),
    workflows,
)
triggers = TriggerService(
    workflows,
    TriggerRepository(dynamodb, settings.triggers_table),
    TriggerSecretBox(client("kms"), settings.secrets_kms_key_id),
    settings.max_triggers_per_workflow,
)

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(schedule_router)
app.include_router(trigger_router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    app.append_context(schedules=schedules, triggers=triggers)
    return app.resolve(event, context)
