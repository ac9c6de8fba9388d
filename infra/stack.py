"""The WorkflowEngine stack: a thin wiring of one construct per concern, and the app that holds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Aws, CfnOutput, Stack, Tags, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from infra.catalog import REPO_ROOT, STACK_NAME
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.data import Data
from infra.constructs.functions import Functions
from infra.constructs.observability import Observability, dead_letter_queues_of
from infra.constructs.orchestration import Orchestration
from infra.constructs.realtime import Realtime
from infra.constructs.schedules import Schedules
from infra.constructs.secrets import Secrets
from infra.constructs.web import Web
from workflow_engine.platform import tables

CDK_JSON = REPO_ROOT / "cdk.json"


class WorkflowEngineStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        self.auth = Auth(self, "Auth")
        self.data = Data(self, "Data")
        self.orchestration = Orchestration(
            self,
            "Orchestration",
            executions_table=self.data.table(tables.EXECUTIONS),
            workflows_table=self.data.table(tables.WORKFLOWS),
        )
        self.realtime = Realtime(self, "Realtime", user_pool=self.auth.user_pool, user_pool_client=self.auth.client)
        self.secrets = Secrets(self, "Secrets")
        self.schedules = Schedules(self, "Schedules")
        self.functions = Functions(
            self,
            "Functions",
            data=self.data,
            orchestration=self.orchestration,
            secrets=self.secrets,
            schedules=self.schedules,
            shared_environment=self.realtime.function_environment,
        )
        self.realtime.serve(self.functions.functions, self.data)
        self.orchestration.allow_invoke(self.functions.step_functions)
        self.orchestration.route_status_changes_to(self.functions.reconciler)
        self.api = Api(
            self,
            "Api",
            user_pool=self.auth.user_pool,
            user_pool_client=self.auth.client,
            functions=self.functions.functions,
        )
        self.web = Web(
            self,
            "Web",
            api_url=self.api.url,
            user_pool_id=self.auth.user_pool.user_pool_id,
            user_pool_client_id=self.auth.client.user_pool_client_id,
            websocket_url=self.realtime.url,
        )

        self.observability = Observability(
            self,
            "Observability",
            functions=self.functions.functions,
            dead_letter_queues=dead_letter_queues_of(self),
            http_api=self.api.http_api,
            tables=self.data.tables,
        )

        # Output ids are a public contract (catalog.OUTPUT_KEYS): clients read them from `cdk deploy --outputs-file`.
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the HTTP API (no trailing slash)")
        CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        CfnOutput(self, "Region", value=Aws.REGION)
        CfnOutput(self, "WebSocketUrl", value=self.realtime.url, description="WebSocket URL: <url>?token=<JWT>")
        CfnOutput(self, "AppUrl", value=self.web.url, description="The execution monitor (/api/* is the API)")
        CfnOutput(
            self, "AlarmTopicArn", value=self.observability.topic.topic_arn, description="Subscribe to get alarms"
        )
        CfnOutput(self, "DashboardName", value=self.observability.dashboard.dashboard_name)


def _cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The context (feature flags) of cdk.json, so an in-process synth matches `cdk synth`."""
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text()).get("context", {}))


def build_app(outdir: str | None = None, *, compliance_checks: bool = True) -> tuple[App, WorkflowEngineStack]:
    """Build the CDK app and its one stack.

    With ``compliance_checks`` the cdk-nag AwsSolutions pack runs as a validation plugin at synth time and any
    unacknowledged finding fails the synth. Tests may switch it off to run the pack themselves and report findings.
    """
    app = App(outdir=outdir, context=_cdk_json_context())
    stack = WorkflowEngineStack(
        app, STACK_NAME, stack_name=STACK_NAME, description="Serverless workflow engine (HTTP API, Step Functions)"
    )
    Tags.of(app).add("project", "workflow-engine")
    if compliance_checks:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
