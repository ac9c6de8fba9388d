"""Run in a fresh interpreter by test_step_registry.py: registers the echo step type (tests/infra/echo_step.py)
before anything derives from the registry, then prints, as JSON, what each derived part made of it."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tests.infra.echo_step import register  # noqa: E402

register()

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver  # noqa: E402

from api.errors import register_error_handlers  # noqa: E402
from api.openapi import openapi_json  # noqa: E402
from api.request_body import parse_json_body  # noqa: E402
from api.workflow_routes import router  # noqa: E402
from infra.catalog import FUNCTIONS, ROUTES, STACK_NAME, STEP_FUNCTIONS  # noqa: E402
from infra.local.gateway import build_event  # noqa: E402
from infra.stack import build_app  # noqa: E402
from workflow_engine.models.step_types import STEP_TYPES  # noqa: E402
from workflow_engine.models.workflow import WorkflowDefinition, WorkflowRecord  # noqa: E402
from workflow_engine.platform.settings import ApiSettings  # noqa: E402
from workflow_engine.platform.step_settings import StepSettings  # noqa: E402
from workflow_engine.steps.dispatch import runner_for  # noqa: E402
from workflow_engine.workflows.service import compile_target  # noqa: E402


class RecordingService:
    """Stands in for WorkflowService: validation happens before it is called."""

    def create(self, user_id: str, definition: WorkflowDefinition) -> WorkflowRecord:
        return WorkflowRecord(
            **definition.model_dump(exclude={"notify"}),
            workflow_id="00000000-0000-0000-0000-000000000001",
            user_id=user_id,
            version=1,
            state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:x",
            created_at="2024-01-01T00:00:00Z",
            updated_at="2024-01-01T00:00:00Z",
        )


def post_workflow(steps: list[dict[str, Any]]) -> tuple[int, Any]:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    app.include_router(router)
    register_error_handlers(app)
    app.append_context(workflows=RecordingService())
    route = next(r for r in ROUTES if (r.method, r.path) == ("POST", "/api/workflows"))
    body = json.dumps({"name": "echo", "steps": steps})
    event = build_event(route, "POST", "/api/workflows", body=body, claims={"sub": "user-1"})
    result = app.resolve(event, {})
    return result["statusCode"], json.loads(result["body"])


def synthesized(outdir: str) -> dict[str, Any]:
    app, stack = build_app(outdir=outdir, compliance_checks=False)
    template = app.synth().get_stack_by_name(STACK_NAME).template
    echo = stack.functions.functions["EchoStep"]
    role_id = stack.get_logical_id(stack.functions.roles["EchoStep"].node.default_child)
    statements = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
    api = template["Resources"][stack.get_logical_id(stack.functions.functions["WorkflowsApi"].node.default_child)]
    return {
        "function": template["Resources"][stack.get_logical_id(echo.node.default_child)]["Properties"],
        "statements": statements,
        "echo_arn_in_api": api["Properties"]["Environment"]["Variables"].get("ECHO_FUNCTION_ARN"),
        "echo_logical_id": stack.get_logical_id(echo.node.default_child),
        "logs_table_logical_id": stack.get_logical_id(stack.data.tables["ExecutionLogs"].node.default_child),
        "states_role_statements": [
            statement
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": stack.get_logical_id(stack.orchestration.role.node.default_child)}
            in resource["Properties"]["Roles"]
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        ],
    }


def main(outdir: str) -> None:
    echo_step = {"name": "Say", "type": "echo", "config": {"message": "hello {{ input.who }}"}}
    settings = StepSettings(
        logs_table="logs", http_allowed_networks="", http_denied_endpoints="", secrets_prefix="test/secrets"
    )
    arns = {
        name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        for name in ("transform", "http", "ai", "approval", "workflow")
    }
    api_settings_names = ApiSettings.stack_settings()
    facts = {
        "registry": list(STEP_TYPES.names()),
        "catalog": [
            {"id": s.id, "handler": s.handler, "timeout": s.timeout_seconds, "memory": s.memory_mb}
            for s in STEP_FUNCTIONS
        ],
        "in_functions": "EchoStep" in {spec.id for spec in FUNCTIONS},
        "api_settings": list(api_settings_names),
        "openapi_mapping": json.loads(openapi_json())["components"]["schemas"]["WorkflowDefinition"]["properties"][
            "steps"
        ]["items"]["discriminator"]["mapping"],
        "valid": post_workflow([echo_step]),
        "bad_config": post_workflow([{**echo_step, "config": {"message": ""}}]),
        "unknown_field": post_workflow([{**echo_step, "config": {"message": "x", "loud": True}}]),
        "ran": runner_for(STEP_TYPES["echo"], settings)({"message": "hi {{ input.who }}"}, {"input": {"who": "Zoë"}}),
        "function_arn": compile_target(
            ApiSettings(
                workflows_table="w",
                executions_table="e",
                logs_table="l",
                idempotency_table="i",
                state_machine_prefix="p-",
                states_role_arn="r",
                state_machine_log_group_arn="g",
                notifications_table="n",
                http_allowed_networks="",
                http_denied_endpoints="",
                step_function_arns={**arns, "echo": "arn:echo"},
            )
        ).function_arns["echo"],
        "template": synthesized(outdir),
    }
    json.dump(facts, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
