"""What the system is made of: its functions and its HTTP routes, declared once.

The CDK stack wires these into Lambda functions and HTTP API routes; the local stack serves the same
routes with the same handlers, so both stacks answer alike. Each function's environment is derived from its
settings model (`FunctionSpec.environment_names`): the settings a stack must provide, plus Powertools'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infra.declarations import METRICS_NAMESPACE
from workflow_engine.models.step_types import STEP_TYPES, Permission, StepType
from workflow_engine.models.triggers import HOOK_PATH_PREFIX
from workflow_engine.platform.api_settings import (
    QuerySettings,
    ScheduledStartSettings,
    SecretsSettings,
    TriggersApiSettings,
    WebhookSettings,
    WorkflowsApiSettings,
)
from workflow_engine.platform.consumer_settings import MetricsSettings, NotificationSettings, ReconcilerSettings
from workflow_engine.platform.realtime_settings import AuthorizerSettings, NotifierSettings, RealtimeSettings
from workflow_engine.platform.settings import ApiSettings, EnvSettings
from workflow_engine.platform.step_settings import ApprovalStepSettings, StepSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
LAYER_DIR = REPO_ROOT / "layers" / "common"


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: its construct id, handler (module path under functions/), role and settings.

    ``settings`` is the settings model its handler reads (workflow_engine.platform.settings): the stacks set exactly the
    variables it asks for (``environment_names``). ``event_sources`` names the tables (logical ids,
    workflow_engine.platform.tables) whose DynamoDB streams feed the function (kind "stream"): the CDK stack
    maps them with
    a DynamoEventSource, the local stack with a real moto event source mapping delivered in-process
    (infra/local/moto_seams.py, seam 5).
    """

    id: str
    handler: str
    description: str
    # "api" | "step" | "reconciler" | "stream" | "ws-authorizer" | "ws-route" | "ws-default" | "notifier"
    # | "notifications" (webhooks, EventBridge events) | "queries" (the read-only query API)
    # | "metrics" (its aggregator) | "secrets" (the secrets API) | "scheduler" (EventBridge Scheduler's target)
    kind: str
    timeout_seconds: int = 30
    memory_mb: int = 512
    step_type: str | None = None  # for step functions: the workflow step type it runs
    event_sources: tuple[str, ...] = ()
    settings: type[EnvSettings] = field(kw_only=True)
    # For step functions: what the function needs beyond writing its log items (its step type's registry entry).
    permissions: tuple[Permission, ...] = field(default=(), kw_only=True)

    def environment_names(self) -> tuple[str, ...]:
        """Every environment variable a stack sets on this function: its settings', then the libraries'."""
        return (*self.settings.stack_settings(), *LIBRARY_ENV)


# The libraries read these: Powertools (service name = the function id, metrics namespace, log level) and pydantic
# (no plugins: the engine uses none, and looking for them scans every installed package's entry points on the
# first model built, in each cold start).
LIBRARY_ENV = (
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "PYDANTIC_DISABLE_PLUGINS",
)


def library_environment(spec: FunctionSpec, log_level: str = "INFO") -> dict[str, str]:
    return {
        "POWERTOOLS_SERVICE_NAME": spec.id,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": log_level,
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }


# How every stream consumer reads its streams, in both stacks: a failing batch is split (AWS) and retried, the
# function reports the records that failed (Powertools BatchProcessor), and what still fails goes to a DLQ.
@dataclass(frozen=True)
class StreamMapping:
    batch_size: int = 100
    retry_attempts: int = 3
    bisect_batch_on_error: bool = True
    max_batching_window_seconds: int = 0  # deliver as soon as a record is written (live updates)


STREAM_MAPPING = StreamMapping()


WORKFLOWS_API = FunctionSpec(
    "WorkflowsApi", "api.workflows.handler", "Workflow CRUD API", "api", settings=WorkflowsApiSettings
)
# A workflow's schedules and inbound webhook triggers: a function of its own, the only one that may create schedules
# (passing the Scheduler role) and seal trigger secrets; it manages no state machine. The workflow API's function
# only lists and deletes them, when their workflow is deleted.
TRIGGERS_API = FunctionSpec(
    "TriggersApi",
    "api.triggers.handler",
    "Schedule and inbound webhook trigger CRUD API (a workflow's)",
    "triggers",
    settings=TriggersApiSettings,
)
EXECUTIONS_API = FunctionSpec("ExecutionsApi", "api.executions.handler", "Execution API", "api", settings=ApiSettings)
QUERIES_API = FunctionSpec(
    "QueriesApi", "api.queries.handler", "Log search and metrics API (read-only)", "queries", settings=QuerySettings
)
# The only function that may write secrets (infra.constructs.secrets); it reads none.
SECRETS_API = FunctionSpec(
    "SecretsApi", "api.secrets.handler", "Secrets API (set, list, delete)", "secrets", settings=SecretsSettings
)

# EventBridge Scheduler's one target: starts a schedule's run (infra.constructs.schedules).
SCHEDULED_START = FunctionSpec(
    "ScheduledStart",
    "scheduler.handler.handler",
    "Starts a workflow run when one of its schedules fires (at most once per scheduled time)",
    "scheduler",
    settings=ScheduledStartSettings,
)

# Inbound webhooks (POST /api/hooks/{trigger_id}, no JWT: the signature is verified in the function). A function
# of its own, so the one public route that starts runs holds least privilege: read triggers, decrypt their
# secrets, write deliveries and rate windows, start executions; nothing of the workflow or secrets APIs.
WEBHOOKS_INBOUND = FunctionSpec(
    "WebhooksInbound",
    "api.webhooks.handler",
    "Inbound webhooks: verifies a trigger's signed call and starts its workflow",
    "webhooks",
    timeout_seconds=15,
    memory_mb=256,
    settings=WebhookSettings,
)


# A step function whose settings ask for more than StepSettings: the approval's stores task tokens on executions.
STEP_SETTINGS: dict[str, type[StepSettings]] = {"approval": ApprovalStepSettings}


def step_function_spec(step_type: StepType) -> FunctionSpec:
    """The function of a Lambda-kind step type, as its registry entry declares it
    (workflow_engine.models.step_types)."""
    function = step_type.function
    if function is None:
        raise ValueError(f"{step_type.name} is a native step type: it has no function")
    return FunctionSpec(
        step_type.construct_id,
        step_type.handler,
        function.description,
        "step",
        function.timeout_seconds,
        function.memory_mb,
        step_type.name,
        settings=STEP_SETTINGS.get(step_type.name, StepSettings),
        permissions=function.permissions,
    )


# One function per Lambda-kind step type, in registry order (TransformStep, HttpStep, AiStep, ...).
STEP_FUNCTIONS: tuple[FunctionSpec, ...] = tuple(step_function_spec(t) for t in STEP_TYPES.lambda_types())


def step_function_of(step_type: str) -> FunctionSpec:
    """The function that runs `step_type`."""
    return next(spec for spec in STEP_FUNCTIONS if spec.step_type == step_type)


RECONCILER = FunctionSpec(
    "Reconciler",
    "reconciler.handler.handler",
    "Repairs execution status from Step Functions events",
    "reconciler",
    settings=ReconcilerSettings,
)
METRICS_AGGREGATOR = FunctionSpec(
    "MetricsAggregator",
    "aggregator.handler.handler",
    "Keeps execution and step metrics from the executions and logs streams",
    "metrics",
    event_sources=("Executions", "ExecutionLogs"),
    settings=MetricsSettings,
)

NOTIFICATIONS = FunctionSpec(
    "Notifications",
    "notifications.handler.handler",
    "EventBridge event and signed webhook on each terminal execution outcome",
    "notifications",
    timeout_seconds=120,  # webhook attempts and their back-off run inside one invocation
    memory_mb=256,
    event_sources=("Executions",),
    settings=NotificationSettings,
)

# The real-time channel (WebSocket API): its authorizer, route handlers and the stream notifier.
WS_AUTHORIZER = FunctionSpec(
    "WebSocketAuthorizer",
    "realtime.authorizer.handler",
    "Verifies the token of a WebSocket connect",
    "ws-authorizer",
    10,
    settings=AuthorizerSettings,
)
WS_CONNECT = FunctionSpec(
    "WebSocketConnect",
    "realtime.connect.handler",
    "Registers a WebSocket connection",
    "ws-route",
    10,
    settings=RealtimeSettings,
)
WS_DISCONNECT = FunctionSpec(
    "WebSocketDisconnect",
    "realtime.disconnect.handler",
    "Forgets a WebSocket connection",
    "ws-route",
    10,
    settings=RealtimeSettings,
)
WS_SUBSCRIPTIONS = FunctionSpec(
    "WebSocketSubscriptions",
    "realtime.subscriptions.handler",
    "Subscribes a connection to executions",
    "ws-route",
    10,
    settings=RealtimeSettings,
)
WS_DEFAULT = FunctionSpec(
    "WebSocketDefault",
    "realtime.default.handler",
    "Answers unknown WebSocket actions",
    "ws-default",
    5,
    settings=EnvSettings,  # reads no settings
)
NOTIFIER = FunctionSpec(
    "Notifier",
    "realtime.notifier.handler",
    "Pushes execution and log changes to WebSocket clients",
    "notifier",
    60,
    event_sources=("Executions", "ExecutionLogs"),
    settings=NotifierSettings,
)
REALTIME_FUNCTIONS: tuple[FunctionSpec, ...] = (
    WS_AUTHORIZER,
    WS_CONNECT,
    WS_DISCONNECT,
    WS_SUBSCRIPTIONS,
    WS_DEFAULT,
    NOTIFIER,
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    WORKFLOWS_API,
    TRIGGERS_API,
    EXECUTIONS_API,
    QUERIES_API,
    SECRETS_API,
    WEBHOOKS_INBOUND,
    *STEP_FUNCTIONS,
    RECONCILER,
    METRICS_AGGREGATOR,
    NOTIFICATIONS,
    SCHEDULED_START,
    *REALTIME_FUNCTIONS,
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway syntax: /api/workflows/{workflow_id}
    function: FunctionSpec
    authorized: bool = True
    # Why a route without the JWT authorizer may be public (the cdk-nag acknowledgement says it).
    public_because: str = ""


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/health",
        WORKFLOWS_API,
        authorized=False,
        public_because="a health check for load balancers, probes and the e2e suite; it returns no user data",
    ),
    Route("POST", "/api/workflows", WORKFLOWS_API),
    Route("POST", "/api/workflows/validate", WORKFLOWS_API),
    # The web editor's helpers (README "Web app"): read YAML or JSON text, try a JMESPath expression
    Route("POST", "/api/workflows/parse", WORKFLOWS_API),
    Route("POST", "/api/expressions/evaluate", WORKFLOWS_API),
    Route("GET", "/api/workflows", WORKFLOWS_API),
    Route("GET", "/api/workflows/{workflow_id}", WORKFLOWS_API),
    Route("PUT", "/api/workflows/{workflow_id}", WORKFLOWS_API),
    Route("DELETE", "/api/workflows/{workflow_id}", WORKFLOWS_API),
    # Schedules (README "Schedules")
    Route("POST", "/api/workflows/{workflow_id}/schedules", TRIGGERS_API),
    Route("GET", "/api/workflows/{workflow_id}/schedules", TRIGGERS_API),
    Route("GET", "/api/workflows/{workflow_id}/schedules/{schedule_id}", TRIGGERS_API),
    Route("PUT", "/api/workflows/{workflow_id}/schedules/{schedule_id}", TRIGGERS_API),
    Route("DELETE", "/api/workflows/{workflow_id}/schedules/{schedule_id}", TRIGGERS_API),
    Route("POST", "/api/workflows/{workflow_id}/execute", EXECUTIONS_API),
    Route("GET", "/api/workflows/executions", EXECUTIONS_API),
    Route("POST", "/api/workflows/executions/batch-get", EXECUTIONS_API),
    Route("POST", "/api/workflows/executions/batch-cancel", EXECUTIONS_API),
    Route("GET", "/api/workflows/executions/compare", EXECUTIONS_API),
    Route("GET", "/api/workflows/executions/{execution_id}", EXECUTIONS_API),
    Route("GET", "/api/workflows/executions/{execution_id}/logs", EXECUTIONS_API),
    Route("POST", "/api/workflows/executions/{execution_id}/cancel", EXECUTIONS_API),
    Route("POST", "/api/workflows/executions/{execution_id}/retry", EXECUTIONS_API),
    Route("POST", "/api/workflows/executions/{execution_id}/approvals/{step_name}", EXECUTIONS_API),
    Route("GET", "/api/workflows/executions/{execution_id}/notifications", EXECUTIONS_API),
    Route("GET", "/api/logs", QUERIES_API),
    Route("GET", "/api/metrics", QUERIES_API),
    # Secrets (README "Secrets")
    Route("PUT", "/api/secrets/{name}", SECRETS_API),
    Route("GET", "/api/secrets", SECRETS_API),
    Route("DELETE", "/api/secrets/{name}", SECRETS_API),
    # Inbound webhook triggers (README "Inbound webhooks"): managed with a token, called without one.
    Route("POST", "/api/workflows/{workflow_id}/triggers", TRIGGERS_API),
    Route("GET", "/api/workflows/{workflow_id}/triggers", TRIGGERS_API),
    Route("GET", "/api/workflows/{workflow_id}/triggers/{trigger_id}", TRIGGERS_API),
    Route("DELETE", "/api/workflows/{workflow_id}/triggers/{trigger_id}", TRIGGERS_API),
    Route(
        "POST",
        f"{HOOK_PATH_PREFIX}{{trigger_id}}",
        WEBHOOKS_INBOUND,
        authorized=False,
        public_because=(
            "an inbound webhook is called by other systems, which hold no Cognito token: the function verifies "
            "an HMAC-SHA256 signature with the trigger's secret, a 300 s timestamp window and replays, and "
            "rate-limits each trigger"
        ),
    ),
)


@dataclass(frozen=True)
class WebSocketRoute:
    """A WebSocket API route (selected by the message's `action`); its reply goes back to the client."""

    key: str  # "$connect", "$disconnect", "$default" or an action
    function: FunctionSpec

    @property
    def authorized(self) -> bool:
        """Only `$connect` is authorized (WEBSOCKET_AUTHORIZER); later messages ride on the connection."""
        return self.key == "$connect"

    @property
    def replies(self) -> bool:
        """Messages get the handler's reply back; `$connect`/`$disconnect` replies go nowhere."""
        return self.key not in ("$connect", "$disconnect")


WEBSOCKET_ROUTES: tuple[WebSocketRoute, ...] = (
    WebSocketRoute("$connect", WS_CONNECT),
    WebSocketRoute("$disconnect", WS_DISCONNECT),
    WebSocketRoute("subscribe", WS_SUBSCRIPTIONS),
    WebSocketRoute("unsubscribe", WS_SUBSCRIPTIONS),
    WebSocketRoute("$default", WS_DEFAULT),
)
WEBSOCKET_ROUTE_SELECTION = "$request.body.action"
WEBSOCKET_AUTHORIZER = WS_AUTHORIZER
WEBSOCKET_IDENTITY_SOURCE = "route.request.querystring.token"  # where the $connect authorizer finds the token
WEBSOCKET_STAGE = "live"
STACK_NAME = "WorkflowEngine"
OUTPUT_KEYS = ("ApiUrl", "UserPoolId", "UserPoolClientId", "Region", "WebSocketUrl", "AppUrl")
# Outputs of the deployed stack only: where its alarms go and its dashboard (the local stack has neither).
OPERATIONS_OUTPUT_KEYS = ("AlarmTopicArn", "DashboardName")
