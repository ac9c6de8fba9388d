"""Schedules on the synthesized template: one schedule group per stack, the Scheduler execution role (trusting
scheduler.amazonaws.com from this account only, invoking only the scheduled-start function), the target's DLQ
(SSE, TLS only), the workflow API's scheduler grants scoped to the group with PassRole of that role only, and
no other role that reaches Scheduler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from infra.catalog import FUNCTIONS, SCHEDULED_START, TRIGGERS_API, WORKFLOWS_API
from infra.constructs.schedules import MANAGE_ACTIONS

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")


def test_one_schedule_group_named_after_the_stack(synth: Synthesized) -> None:
    groups = synth.of_type("AWS::Scheduler::ScheduleGroup")
    assert [group["Properties"]["Name"] for group in groups.values()] == [f"{synth.stack.stack_name}-schedules"]
    variables = synth.resource(synth.stack.functions.functions[WORKFLOWS_API.id])["Properties"]["Environment"]
    assert variables["Variables"]["SCHEDULE_GROUP_NAME"] == f"{synth.stack.stack_name}-schedules"


def test_the_scheduler_role_trusts_scheduler_from_this_account_and_invokes_only_the_target(
    synth: Synthesized,
) -> None:
    role = synth.resource(synth.stack.schedules.role)
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    permissions = synth.permissions(synth.stack.schedules.role)
    target = synth.get_att(synth.stack.functions.functions[SCHEDULED_START.id])
    assert permissions["lambda:InvokeFunction"] == [target]
    assert {action for action in permissions if not action.startswith("sqs:")} == {"lambda:InvokeFunction"}
    queue = synth.get_att(synth.stack.schedules.dead_letter_queue)
    assert all(resources == [queue] for action, resources in permissions.items() if action.startswith("sqs:"))


def test_the_dead_letter_queue_is_encrypted_and_tls_only(synth: Synthesized) -> None:
    queue = synth.resource(synth.stack.schedules.dead_letter_queue)
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    policies = [
        policy
        for policy in synth.of_type("AWS::SQS::QueuePolicy").values()
        if synth.ref(synth.stack.schedules.dead_letter_queue) in policy["Properties"]["Queues"]
    ]
    statements = [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


def test_the_trigger_api_manages_the_groups_schedules_and_passes_only_the_scheduler_role(synth: Synthesized) -> None:
    permissions = synth.permissions(synth.stack.functions.roles[TRIGGERS_API.id])
    group_schedules = synth.resolve(synth.stack.schedules.schedules_arn)
    for action in MANAGE_ACTIONS:
        assert permissions[action] == [group_schedules]
    (pass_role,) = [
        s
        for s in synth.statements_of(synth.stack.functions.roles[TRIGGERS_API.id])
        if s["Action"] == "iam:PassRole" and s["Resource"] == synth.get_att(synth.stack.schedules.role)
    ]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert ":schedule/" in str(group_schedules) and "-schedules/*" in str(group_schedules)


def test_the_workflow_api_may_only_delete_schedules_of_the_group(synth: Synthesized) -> None:
    # Deleting a workflow deletes its schedules; creating one (which passes the Scheduler role) is the trigger API's.
    permissions = synth.permissions(synth.stack.functions.roles[WORKFLOWS_API.id])
    reached = {action: resources for action, resources in permissions.items() if action.startswith("scheduler:")}
    assert reached == {"scheduler:DeleteSchedule": [synth.resolve(synth.stack.schedules.schedules_arn)]}
    resources = [s["Resource"] for s in synth.statements_of(synth.stack.functions.roles[WORKFLOWS_API.id])]
    assert synth.get_att(synth.stack.schedules.role) not in resources  # it passes the states role only


@pytest.mark.parametrize(
    "spec", [s for s in FUNCTIONS if s.id not in (TRIGGERS_API.id, WORKFLOWS_API.id)], ids=lambda s: s.id
)
def test_no_other_function_reaches_scheduler_or_passes_a_role(synth: Synthesized, spec: Any) -> None:
    permissions = synth.permissions(synth.stack.functions.roles[spec.id])
    assert not [action for action in permissions if action.startswith("scheduler:") or action == "iam:PassRole"]


def test_the_scheduled_start_reads_and_marks_schedules_only(synth: Synthesized) -> None:
    permissions = synth.permissions(synth.stack.functions.roles[SCHEDULED_START.id])
    schedules_table = synth.get_att(synth.stack.data.tables["Schedules"])
    on_schedules = {action for action, resources in permissions.items() if schedules_table in resources}
    assert on_schedules == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    assert "states:StartExecution" in permissions
