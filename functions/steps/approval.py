"""The approval step's function (its registry entry's own handler): store the task token, return at once.

No step runtime: the Lambda's answer is not the step's result (the decision is), and the step's log item is written
when it is decided (workflow_engine.executions.approvals). See workflow_engine.steps.approval.
"""

from __future__ import annotations

from workflow_engine.data.approvals import ApprovalRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, logger, step_keys, tracer
from workflow_engine.platform.step_settings import ApprovalStepSettings
from workflow_engine.steps.approval import hold_for_decision

settings = ApprovalStepSettings.from_env()
dynamodb = client("dynamodb")
approvals = ApprovalRepository(dynamodb, settings.executions_table)
logs = LogRepository(dynamodb, settings.logs_table)


@logger.inject_lambda_context
@correlated(step_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> object:
    return hold_for_decision(event, settings, approvals, logs)
