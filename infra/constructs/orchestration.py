"""Orchestration: what the per-workflow state machines (created at runtime by the API) run under and report to.

- the one IAM role every workflow state machine assumes,
- the log group their execution history is delivered to,
- the EventBridge rule that sends their status changes to the reconciler.

State machines are named ``<state_machine_prefix><workflow id>``; every ARN pattern below derives from that
prefix, so permissions and the event rule reach this stack's state machines only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import acknowledge, acknowledge_wildcard_resources
from infra.constructs.observability import log_group
from infra.declarations import STATUS_CHANGE_RULE, EventRule

# Creating or updating a state machine with a logging configuration goes through CloudWatch Logs vended log
# delivery; these actions do not support resource-level permissions (resource must be "*").
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets")
STATE_MACHINE_LIFECYCLE_ACTIONS = (
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "states:DeleteStateMachine",
    "states:DescribeStateMachine",
    "states:PublishStateMachineVersion",
    "states:ListStateMachineVersions",
    "states:DeleteStateMachineVersion",
    "states:TagResource",
)

LOG_DELIVERY_REASON = (
    "CloudWatch Logs vended log delivery actions (used to attach a log group to a state machine) do not "
    "support resource-level permissions; AWS documents Resource '*' for them."
)
# What `states:startExecution.sync:2` needs (a workflow step's child execution, workflow_engine.asl.child): start the
# child, follow it and stop it when the parent stops; Step Functions follows it through this managed rule.
CHILD_EXECUTION_ACTIONS = ("states:DescribeExecution", "states:StopExecution")
SYNC_RULE_ACTIONS = ("events:PutTargets", "events:PutRule", "events:DescribeRule")
SYNC_RULE_NAME = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
STATE_MACHINE_PREFIX_REASON = (
    "Workflow state machines are created at runtime, one per workflow; access is scoped to this stack's "
    "name prefix (and their versions/executions), not to all state machines of the account."
)


class Orchestration(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        executions_table: dynamodb.ITable,
        workflows_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.state_machine_prefix = f"{stack.stack_name}-wf-"
        self.state_machine_arn_prefix = self._states_arn("stateMachine", self.state_machine_prefix)
        self.state_machines_arn = f"{self.state_machine_arn_prefix}*"
        self.executions_arn = self._states_arn("execution", f"{self.state_machine_prefix}*:*")

        self.log_group = log_group(self, "StateMachineLogs")
        # The log group's Arn attribute ends with ":*", the form Step Functions logging destinations require.
        self.log_group_arn = self.log_group.log_group_arn

        self.role = iam.Role(
            self,
            "StatesRole",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Runs every workflow state machine of this stack",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[executions_table.table_arn])
        )
        self._allow_child_executions(executions_table, workflows_table)
        self.role.add_to_policy(iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"]))
        self.role.add_to_policy(iam.PolicyStatement(actions=list(LOG_DELIVERY_ACTIONS), resources=["*"]))
        acknowledge_wildcard_resources(
            self.role,
            "X-Ray trace segment/sampling actions and CloudWatch Logs vended log delivery actions do not support "
            "resource-level permissions (Resource '*' by AWS design).",
            "*",
        )

        self.dead_letter_queue = sqs.Queue(
            self,
            "StatusEventsDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the status-change rule's target; it needs no DLQ.",
        )

    def _allow_child_executions(self, executions_table: dynamodb.ITable, workflows_table: dynamodb.ITable) -> None:
        """A workflow step: read the child workflow's current version, write the child's execution item, start one
        of this stack's state machines (a published version) and follow or stop its execution (`.sync:2`)."""
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[workflows_table.table_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:PutItem"], resources=[executions_table.table_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[self.state_machines_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=list(CHILD_EXECUTION_ACTIONS), resources=[self.executions_arn])
        )
        sync_rule = Stack.of(self).format_arn(service="events", resource="rule", resource_name=SYNC_RULE_NAME)
        self.role.add_to_policy(iam.PolicyStatement(actions=list(SYNC_RULE_ACTIONS), resources=[sync_rule]))
        acknowledge_wildcard_resources(
            self.role, STATE_MACHINE_PREFIX_REASON, self.state_machines_arn, self.executions_arn
        )

    def allow_invoke(self, functions: Iterable[lambda_.IFunction]) -> None:
        """Let the state machines invoke these (step) functions, and nothing else."""
        for function in functions:
            function.grant_invoke(self.role)
            acknowledge_wildcard_resources(
                self.role,
                "lambda:InvokeFunction on the step function's own qualified ARNs (versions/aliases) as grant_invoke "
                "emits them; no other function is reachable.",
                f"{function.function_arn}:*",
            )

    def route_status_changes_to(self, function: lambda_.IFunction) -> events.Rule:
        """Send the terminal status changes of this stack's state machines to ``function``."""
        return self.rule(STATUS_CHANGE_RULE, function)

    def rule(self, declared: EventRule, function: lambda_.IFunction) -> events.Rule:
        """The declared rule (infra/declarations.py) for this stack's state machines, delivering to ``function``."""
        return events.Rule(
            self,
            declared.id,
            description=declared.description,
            event_pattern=_event_pattern(declared.pattern(self.state_machine_arn_prefix)),
            targets=[
                targets.LambdaFunction(
                    function,
                    dead_letter_queue=self.dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(2),
                )
            ],
        )

    def grant_manage_state_machines(self, role: iam.IRole) -> None:
        """Create/update/delete this stack's workflow state machines, running them under the states role."""
        iam.Grant.add_to_principal(
            grantee=role, actions=list(STATE_MACHINE_LIFECYCLE_ACTIONS), resource_arns=[self.state_machines_arn]
        )
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}},
        )
        iam.Grant.add_to_principal(grantee=role, actions=list(LOG_DELIVERY_ACTIONS), resource_arns=["*"])
        acknowledge_wildcard_resources(role, STATE_MACHINE_PREFIX_REASON, self.state_machines_arn)
        acknowledge_wildcard_resources(role, LOG_DELIVERY_REASON, "*")

    def grant_start_executions(self, role: iam.IRole) -> None:
        """Start executions of this stack's workflow state machines, nothing else (the inbound webhook function)."""
        iam.Grant.add_to_principal(
            grantee=role, actions=["states:StartExecution"], resource_arns=[self.state_machines_arn]
        )
        acknowledge_wildcard_resources(role, STATE_MACHINE_PREFIX_REASON, self.state_machines_arn)

    def grant_run_executions(self, role: iam.IRole) -> None:
        """Start, describe and stop executions of this stack's workflow state machines, and read their histories
        (resume starts where the history says an execution stopped)."""
        iam.Grant.add_to_principal(
            grantee=role, actions=["states:StartExecution"], resource_arns=[self.state_machines_arn]
        )
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"],
            resource_arns=[self.executions_arn],
        )
        # An approval's decision: SendTaskSuccess/SendTaskFailure on the task tokens of this stack's machines.
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
            resource_arns=[self.state_machines_arn],
        )
        acknowledge_wildcard_resources(role, STATE_MACHINE_PREFIX_REASON, self.state_machines_arn, self.executions_arn)

    def _states_arn(self, resource: str, resource_name: str) -> str:
        return Stack.of(self).format_arn(
            service="states",
            resource=resource,
            resource_name=resource_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )


def _event_pattern(pattern: dict[str, Any]) -> events.EventPattern:
    """An EventBridge pattern document as CDK's EventPattern (top-level fields by their CDK names)."""
    return events.EventPattern(**{key.replace("-", "_"): value for key, value in pattern.items()})
