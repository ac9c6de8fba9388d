"""Functions: one Lambda function per infra.catalog.FUNCTIONS entry, its settings and least-privilege grants.

Every function runs Python 3.13 on arm64 with two layers of ours: the dependencies layer (exactly the runtime lock,
boto3 included, built for arm64 at synth time by infra.dependencies) and the shared code layer; JSON logs in its
own log group, and active tracing. Each function's environment is exactly the names
its settings model asks a stack for (FunctionSpec.environment_names), which the local stack sets too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType

from aws_cdk import AssetHashType, Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import dependencies
from infra.catalog import (
    EXECUTIONS_API,
    FUNCTIONS,
    FUNCTIONS_DIR,
    LAYER_DIR,
    METRICS_AGGREGATOR,
    NOTIFICATIONS,
    QUERIES_API,
    REALTIME_FUNCTIONS,
    RECONCILER,
    SCHEDULED_START,
    SECRETS_API,
    STEP_FUNCTIONS,
    STREAM_MAPPING,
    TRIGGERS_API,
    WEBHOOKS_INBOUND,
    WORKFLOWS_API,
    FunctionSpec,
    library_environment,
)
from infra.code_assets import build_code_asset
from infra.constructs.data import Data
from infra.constructs.nag import acknowledge, acknowledge_wildcard_resources
from infra.constructs.observability import log_group
from infra.constructs.orchestration import Orchestration
from infra.constructs.queues import dead_letter_queue
from infra.constructs.schedules import Schedules
from infra.constructs.secrets import Secrets
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.platform import tables
from workflow_engine.platform.settings import step_function_arn_variables

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

XRAY_REASON = (
    "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and, for stream consumers, dynamodb:ListStreams "
    "do not support resource-level permissions."
)
INDEX_REASON = (
    "Queries the table's global secondary indexes (user-scoped listings); '/index/*' is how DynamoDB names them."
)
RUNTIME_REASON = (
    "Python 3.13 is pinned on purpose: the dependencies layer is built for cp313 arm64 and the local stack "
    "targets it; moving to a newer runtime is a deliberate upgrade, not a drive-by."
)


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        orchestration: Orchestration,
        secrets: Secrets,
        schedules: Schedules,
        shared_environment: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        """``shared_environment``: settings other constructs provide (the realtime API's endpoint, the pool)."""
        super().__init__(scope, construct_id)
        self._data = data
        self._orchestration = orchestration
        self._secrets = secrets
        self._schedules = schedules
        self._shared_environment = dict(shared_environment)
        self.roles: dict[str, iam.Role] = {}

        # Our code ships with the runtime's bytecode (infra/code_assets.py): /var/task and /opt are read-only.
        code = lambda_.Code.from_asset(str(build_code_asset(FUNCTIONS_DIR, mounted_at="/var/task")))
        self.common_layer = lambda_.LayerVersion(
            self,
            "CommonLayer",
            code=lambda_.Code.from_asset(str(build_code_asset(LAYER_DIR, mounted_at="/opt"))),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="workflow_engine: shared models, settings and table definitions",
        )
        self.dependencies_layer = lambda_.LayerVersion(
            self,
            "DependenciesLayer",
            # The asset hash is the lock's (and build recipe's): the same lock deploys the same layer.
            code=lambda_.Code.from_asset(
                str(dependencies.build_layer(dependencies.LAMBDA)),
                asset_hash=dependencies.layer_key(dependencies.LAMBDA),
                asset_hash_type=AssetHashType.CUSTOM,
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Third-party runtime dependencies, exactly requirements.lock (boto3, Powertools, pydantic)",
        )
        layers = [self.dependencies_layer, self.common_layer]

        # Webhook deliveries that stayed undelivered after every attempt (the notifications consumer sends them here).
        self.webhook_failures = dead_letter_queue(self, "WebhookFailuresDlq", "webhook deliveries")
        self.functions: dict[str, lambda_.Function] = {
            spec.id: self._function(spec, code, layers) for spec in FUNCTIONS
        }
        self.step_functions: list[lambda_.Function] = [self.functions[spec.id] for spec in STEP_FUNCTIONS]
        self.reconciler = self.functions[RECONCILER.id]
        self.scheduled_start = self.functions[SCHEDULED_START.id]
        schedules.target(self.scheduled_start)

        grants: Mapping[str, Callable[[iam.Role], None]] = {
            WORKFLOWS_API.id: self._grant_workflows_api,
            TRIGGERS_API.id: self._grant_triggers_api,
            EXECUTIONS_API.id: self._grant_executions_api,
            QUERIES_API.id: self._grant_queries_api,
            SECRETS_API.id: self._secrets.grant_manage,
            METRICS_AGGREGATOR.id: self._grant_metrics_aggregator,
            RECONCILER.id: self._grant_reconciler,
            NOTIFICATIONS.id: self._grant_notifications,
            SCHEDULED_START.id: self._grant_scheduled_start,
            WEBHOOKS_INBOUND.id: self._grant_webhooks_inbound,
            **{spec.id: functools.partial(self._grant_step, spec) for spec in STEP_FUNCTIONS},
        }
        granted_by_realtime = {spec.id for spec in REALTIME_FUNCTIONS}  # infra/constructs/realtime.py
        for spec in FUNCTIONS:
            function = self.functions[spec.id]
            for name, value in self._environment(spec).items():
                function.add_environment(name, value)
            if spec.id not in granted_by_realtime:
                grants[spec.id](self.roles[spec.id])
        self.stream_failures: sqs.Queue | None = None
        for spec in FUNCTIONS:
            for logical_id in spec.event_sources:
                self._subscribe(self.functions[spec.id], self._data.tables[logical_id])

    def _subscribe(self, function: lambda_.Function, table: dynamodb.Table) -> None:
        """Feed ``function`` from ``table``'s stream (catalog.STREAM_MAPPING); failing batches end in one DLQ."""
        if self.stream_failures is None:
            self.stream_failures = dead_letter_queue(
                self, "StreamFailuresDlq", "the stream event source mappings (batches that failed every retry)"
            )
        function.add_event_source(
            event_sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=STREAM_MAPPING.batch_size,
                retry_attempts=STREAM_MAPPING.retry_attempts,
                bisect_batch_on_error=STREAM_MAPPING.bisect_batch_on_error,
                max_batching_window=Duration.seconds(STREAM_MAPPING.max_batching_window_seconds),
                report_batch_item_failures=True,
                on_failure=event_sources.SqsDlq(self.stream_failures),
            )
        )

    def _function(
        self, spec: FunctionSpec, code: lambda_.Code, layers: list[lambda_.ILayerVersion]
    ) -> lambda_.Function:
        logs = log_group(self, f"{spec.id}Logs")
        role = iam.Role(
            self,
            f"{spec.id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{spec.description} (Lambda execution role)",
        )
        logs.grant_write(role)  # instead of the AWSLambdaBasicExecutionRole managed policy
        self.roles[spec.id] = role
        function = lambda_.Function(
            self,
            spec.id,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=code,
            layers=layers,
            role=role,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=logs,
        )
        acknowledge_wildcard_resources(role, XRAY_REASON, "*")
        acknowledge(function, "AwsSolutions-L1", RUNTIME_REASON)
        return function

    # -- settings -------------------------------------------------------------------------------------------

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        """Exactly the variables the function's settings ask a stack for, with this stack's values."""
        values = {**self._setting_values(), **library_environment(spec)}
        missing = [name for name in spec.environment_names() if name not in values]
        if missing:
            raise ValueError(f"{spec.id}: the stack has no value for the settings {missing}")
        return {name: values[name] for name in spec.environment_names()}

    def _setting_values(self) -> dict[str, str]:
        """The value of every setting this stack provides (a function receives only the ones it reads)."""
        orchestration = self._orchestration
        return {
            **{
                definition.environment_name: self._data.table(definition).table_name
                for definition in tables.ALL_TABLES
                if definition.environment_name
            },
            "STATE_MACHINE_PREFIX": orchestration.state_machine_prefix,
            "STATES_ROLE_ARN": orchestration.role.role_arn,
            "STATE_MACHINE_LOG_GROUP_ARN": orchestration.log_group_arn,
            **{
                step_function_arn_variables()[step.step_type]: self.functions[step.id].function_arn
                for step in STEP_FUNCTIONS
                if step.step_type
            },
            "HTTP_ALLOWED_NETWORKS": "",  # the http step and webhooks reach public addresses only
            "HTTP_DENIED_ENDPOINTS": "",  # none needed: no internal address is allowed on AWS
            "WEBHOOK_DEAD_LETTER_QUEUE_URL": self.webhook_failures.queue_url,
            "WEBHOOK_BACKOFF_BASE_SECONDS": "1",
            **self._secrets.environment(),
            **self._schedules.environment(),
            "SCHEDULED_START_FUNCTION_ARN": self.functions[SCHEDULED_START.id].function_arn,
            **self._shared_environment,
        }

    # -- grants ---------------------------------------------------------------------------------------------

    # Each role gets exactly the DynamoDB actions its code calls (see workflow_engine/data/*, Powertools
    # idempotency), never the broader grant_read_*/grant_write_* sets (Scan, Batch*, streams...).
    def _grant_workflows_api(self, role: iam.Role) -> None:
        """Workflows and their state machines; a deleted workflow's schedules and triggers: list and delete only
        (creating them is the trigger API's: it passes the Scheduler role and seals secrets)."""
        self._data.grant(
            tables.WORKFLOWS, role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"
        )
        self._orchestration.grant_manage_state_machines(role)
        self._data.grant(tables.SCHEDULES, role, "dynamodb:DeleteItem", "dynamodb:Query")
        self._schedules.grant_delete(role)
        self._data.grant(tables.TRIGGERS, role, "dynamodb:DeleteItem")
        self._grant_triggers_by_workflow(role)

    def _grant_triggers_api(self, role: iam.Role) -> None:
        """A workflow's schedules (the items and Scheduler's) and triggers (create with a sealed secret, list by the
        by_user_workflow index, get, delete); its workflows are read only, to check they exist."""
        self._data.grant(tables.WORKFLOWS, role, "dynamodb:GetItem")
        self._data.grant(
            tables.SCHEDULES, role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"
        )
        self._schedules.grant_manage(role)
        self._data.grant(tables.TRIGGERS, role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
        self._grant_triggers_by_workflow(role)
        self._secrets.grant_trigger_secrets(role, "kms:Encrypt")

    def _grant_triggers_by_workflow(self, role: iam.Role) -> None:
        by_workflow = f"{self._data.table(tables.TRIGGERS).table_arn}/index/{tables.TRIGGERS_BY_USER_WORKFLOW.name}"
        iam.Grant.add_to_principal(grantee=role, actions=["dynamodb:Query"], resource_arns=[by_workflow])

    def _grant_webhooks_inbound(self, role: iam.Role) -> None:
        """Read a trigger and open its secret; claim deliveries and count rate windows (same table); start the
        trigger's workflow (read it, write the execution, StartExecution): nothing else."""
        # DeleteItem: releasing the claim of a delivery whose start failed.
        triggers = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        self._data.grant(tables.TRIGGERS, role, *triggers)
        self._secrets.grant_trigger_secrets(role, "kms:Decrypt")
        self._data.grant(tables.WORKFLOWS, role, "dynamodb:GetItem")
        self._data.grant(tables.EXECUTIONS, role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        self._orchestration.grant_start_executions(role)

    def _grant_executions_api(self, role: iam.Role) -> None:
        data = self._data
        data.grant(tables.WORKFLOWS, role, "dynamodb:GetItem")
        executions = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        data.grant(tables.EXECUTIONS, role, *executions)
        self._grant_execution_indexes(role)
        data.grant(tables.LOGS, role, "dynamodb:Query", "dynamodb:BatchWriteItem")  # writes: a resume's reused steps
        data.grant(tables.NOTIFICATIONS, role, "dynamodb:Query")
        self._grant_idempotency(role)
        self._orchestration.grant_run_executions(role)

    def _grant_scheduled_start(self, role: iam.Role) -> None:
        """Starts a run as the execution API does (the workflow, the execution item, the user+workflow index for
        `overlap: skip`, the idempotency store, StartExecution); reads a schedule and marks its firings."""
        data = self._data
        data.grant(tables.WORKFLOWS, role, "dynamodb:GetItem")
        data.grant(tables.EXECUTIONS, role, "dynamodb:PutItem", "dynamodb:UpdateItem")
        self._grant_execution_indexes(role)
        self._grant_idempotency(role)
        data.grant(tables.SCHEDULES, role, "dynamodb:GetItem", "dynamodb:UpdateItem")
        self._orchestration.grant_run_executions(role)

    def _grant_execution_indexes(self, role: iam.Role) -> None:
        executions_indexes = f"{self._data.table(tables.EXECUTIONS).table_arn}/index/*"
        iam.Grant.add_to_principal(grantee=role, actions=["dynamodb:Query"], resource_arns=[executions_indexes])
        acknowledge_wildcard_resources(role, INDEX_REASON, executions_indexes)

    def _grant_idempotency(self, role: iam.Role) -> None:
        self._data.grant(
            tables.IDEMPOTENCY,
            role,
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )

    def _grant_queries_api(self, role: iam.Role) -> None:
        """Read-only: Query on the logs table's by_user index (the search across executions) and on the metrics
        table (buckets)."""
        logs_by_user = f"{self._data.table(tables.LOGS).table_arn}/index/{tables.LOGS_BY_USER.name}"
        iam.Grant.add_to_principal(grantee=role, actions=["dynamodb:Query"], resource_arns=[logs_by_user])
        self._data.grant(tables.METRICS, role, "dynamodb:Query")

    def _grant_metrics_aggregator(self, role: iam.Role) -> None:
        """One TransactWriteItems per record: a conditional PutItem (the marker) and UpdateItems (ADD to buckets).
        Its stream reads are granted by the event source mappings."""
        self._data.grant(tables.METRICS, role, "dynamodb:PutItem", "dynamodb:UpdateItem")

    def _grant_step(self, spec: FunctionSpec, role: iam.Role) -> None:
        """Every step function puts its log items; beyond that, exactly its step type's declared permissions
        (workflow_engine.models.step_types), their resource patterns filled in with this stack's values."""
        self._data.grant(tables.LOGS, role, "dynamodb:PutItem")
        if "EXECUTIONS_TABLE" in spec.environment_names():  # the approval step stores its task token there
            self._data.grant(tables.EXECUTIONS, role, "dynamodb:UpdateItem")
        stack = {"partition": Aws.PARTITION, "region": Aws.REGION, "account": Aws.ACCOUNT_ID}
        for permission in spec.permissions:
            resources = [resource.format(**stack) for resource in permission.resources]
            iam.Grant.add_to_principal(grantee=role, actions=list(permission.actions), resource_arns=resources)
            wildcards = [arn for arn, pattern in zip(resources, permission.resources, strict=True) if "*" in pattern]
            if wildcards:
                acknowledge_wildcard_resources(role, permission.reason, *wildcards)
        step_type = STEP_TYPES[spec.step_type] if spec.step_type else None
        if step_type is not None and step_type.function is not None and step_type.function.reads_secrets:
            self._secrets.grant_read(role)

    def _grant_reconciler(self, role: iam.Role) -> None:
        self._data.grant(tables.EXECUTIONS, role, "dynamodb:GetItem", "dynamodb:UpdateItem")

    def _grant_notifications(self, role: iam.Role) -> None:
        self._data.grant(tables.WORKFLOWS, role, "dynamodb:GetItem")
        self._data.grant(tables.NOTIFICATIONS, role, "dynamodb:GetItem", "dynamodb:PutItem")
        self.webhook_failures.grant_send_messages(role)
        default_bus = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/default"
        iam.Grant.add_to_principal(grantee=role, actions=["events:PutEvents"], resource_arns=[default_bus])
