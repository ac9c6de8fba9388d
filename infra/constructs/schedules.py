"""Schedules: the stack's one EventBridge Scheduler schedule group, the role Scheduler assumes to invoke the
scheduled-start function (and nothing else), the firings' dead-letter queue, and the grant the workflow API needs
to manage the group's schedules.

- The group is named `<stack name>-schedules` (`schedule_group_name`); the API creates one schedule per stored
  schedule in it, through the SDK (workflow_engine.data.scheduler).
- The execution role trusts `scheduler.amazonaws.com` only for this account (`aws:SourceAccount`) and may only
  `lambda:InvokeFunction` the scheduled-start function; it may send to the dead-letter queue, as Scheduler
  needs for DeadLetterConfig.
- `grant_manage`: scheduler:Create/Update/Delete/GetSchedule on the group's schedules and iam:PassRole of the
  execution role only (to scheduler.amazonaws.com).
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.constructs.nag import acknowledge_wildcard_resources
from infra.constructs.queues import dead_letter_queue

MANAGE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)
GROUP_REASON = (
    "Schedules are created at run time, one per stored schedule, named by their id: the grant reaches this "
    "stack's schedule group only (schedule/<group>/*)."
)


def schedule_group_name(stack: Stack) -> str:
    return f"{stack.stack_name}-schedules"


class Schedules(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.group_name = schedule_group_name(stack)
        self.group = scheduler.CfnScheduleGroup(self, "ScheduleGroup", name=self.group_name)
        self.schedules_arn = stack.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{self.group_name}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.dead_letter_queue = dead_letter_queue(
            self, "ScheduledStartDlq", "the schedules' target (firings that failed every retry)"
        )
        self.role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="EventBridge Scheduler: invokes the scheduled-start function only",
        )
        self.dead_letter_queue.grant_send_messages(self.role)

    def environment(self) -> dict[str, str]:
        """The settings this construct provides (TriggersApiSettings), but the target's ARN (Functions has it)."""
        return {
            "SCHEDULE_GROUP_NAME": self.group_name,
            "SCHEDULER_ROLE_ARN": self.role.role_arn,
            "SCHEDULE_DEAD_LETTER_QUEUE_ARN": self.dead_letter_queue.queue_arn,
        }

    def target(self, function: lambda_.IFunction) -> None:
        """The scheduled-start function is the schedules' one target: the role may invoke it and nothing else."""
        iam.Grant.add_to_principal(
            grantee=self.role, actions=["lambda:InvokeFunction"], resource_arns=[function.function_arn]
        )

    def grant_delete(self, role: iam.IRole) -> None:
        """Delete the group's schedules, nothing else (a deleted workflow's: the workflow API)."""
        iam.Grant.add_to_principal(
            grantee=role, actions=["scheduler:DeleteSchedule"], resource_arns=[self.schedules_arn]
        )
        acknowledge_wildcard_resources(role, GROUP_REASON, self.schedules_arn)

    def grant_manage(self, role: iam.IRole) -> None:
        iam.Grant.add_to_principal(grantee=role, actions=list(MANAGE_ACTIONS), resource_arns=[self.schedules_arn])
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        )
        acknowledge_wildcard_resources(role, GROUP_REASON, self.schedules_arn)
