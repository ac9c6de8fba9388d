"""Orchestration: the state machines' role, their log group, and the status-change rule to the reconciler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from infra.catalog import RECONCILER, STACK_NAME, STEP_FUNCTIONS
from infra.constructs.nag import flatten
from infra.constructs.orchestration import (
    CHILD_EXECUTION_ACTIONS,
    LOG_DELIVERY_ACTIONS,
    SYNC_RULE_ACTIONS,
    SYNC_RULE_NAME,
    XRAY_ACTIONS,
)
from workflow_engine.platform import tables

if TYPE_CHECKING:
    from conftest import Synthesized

# One worker synthesizes the app once for all infra tests (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("infra")


def test_state_machines_are_not_in_the_template(synth: Synthesized) -> None:
    # one state machine per workflow, created at runtime by the workflows API
    assert not synth.of_type("AWS::StepFunctions::StateMachine")


def test_state_machine_prefix_derives_from_the_stack_name(synth: Synthesized) -> None:
    orchestration = synth.stack.orchestration
    assert orchestration.state_machine_prefix == f"{STACK_NAME}-wf-"
    arn_prefix = flatten(synth.resolve(orchestration.state_machine_arn_prefix))
    assert arn_prefix == f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{STACK_NAME}-wf-"


def test_status_change_rule_pattern(synth: Synthesized) -> None:
    (rule,) = synth.of_type("AWS::Events::Rule").values()
    orchestration = synth.stack.orchestration

    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
            "stateMachineArn": [{"prefix": synth.resolve(orchestration.state_machine_arn_prefix)}],
        },
    }


def test_status_change_rule_targets_the_reconciler_with_retries_and_dlq(synth: Synthesized) -> None:
    (rule,) = synth.of_type("AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]

    assert target["Arn"] == synth.get_att(synth.stack.functions.functions[RECONCILER.id])
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"]["Arn"] == synth.get_att(synth.stack.orchestration.dead_letter_queue)


def test_dead_letter_queue_is_encrypted_and_ssl_only(synth: Synthesized) -> None:
    queue = synth.resource(synth.stack.orchestration.dead_letter_queue)["Properties"]
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue

    statements = [
        statement
        for policy in synth.of_type("AWS::SQS::QueuePolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for statement in statements
    )


def test_states_role_is_assumed_by_step_functions_only(synth: Synthesized) -> None:
    role = synth.resource(synth.stack.orchestration.role)["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "states.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "ManagedPolicyArns" not in role


def test_states_role_may_only_invoke_steps_update_executions_and_deliver_logs(synth: Synthesized) -> None:
    stack = synth.stack
    permissions = synth.permissions(stack.orchestration.role)

    assert set(permissions) == {
        "lambda:InvokeFunction",
        "dynamodb:UpdateItem",
        *XRAY_ACTIONS,
        *LOG_DELIVERY_ACTIONS,
        *CHILD_EXECUTION_PERMISSIONS,
    }
    assert permissions["dynamodb:UpdateItem"] == [synth.get_att(stack.data.table(tables.EXECUTIONS))]
    step_arns = [synth.get_att(stack.functions.functions[spec.id]) for spec in STEP_FUNCTIONS]
    allowed_invoke = step_arns + [{"Fn::Join": ["", [arn, ":*"]]} for arn in step_arns]
    invoke = permissions["lambda:InvokeFunction"]
    assert all(resource in allowed_invoke for resource in invoke)
    assert all(arn in invoke for arn in step_arns)
    for action in (*XRAY_ACTIONS, *LOG_DELIVERY_ACTIONS):
        assert permissions[action] == ["*"], action


CHILD_EXECUTION_PERMISSIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "states:StartExecution",
    *CHILD_EXECUTION_ACTIONS,
    *SYNC_RULE_ACTIONS,
)


def test_states_role_may_start_only_this_stacks_machines_for_child_executions(synth: Synthesized) -> None:
    """A workflow step (startExecution.sync:2): only this stack's state machines and their executions, the
    child's item and its workflow, and the managed events rule `.sync` needs (by name)."""
    stack = synth.stack
    permissions = synth.permissions(stack.orchestration.role)
    resolve = stack.resolve
    assert permissions["dynamodb:GetItem"] == [synth.get_att(stack.data.table(tables.WORKFLOWS))]
    assert permissions["dynamodb:PutItem"] == [synth.get_att(stack.data.table(tables.EXECUTIONS))]
    machines = flatten(resolve(stack.orchestration.state_machines_arn))
    executions = flatten(resolve(stack.orchestration.executions_arn))
    assert [flatten(arn) for arn in permissions["states:StartExecution"]] == [machines]
    assert machines.endswith(f":stateMachine:{STACK_NAME}-wf-*")
    for action in CHILD_EXECUTION_ACTIONS:
        assert [flatten(arn) for arn in permissions[action]] == [executions], action
    assert executions.endswith(f":execution:{STACK_NAME}-wf-*:*")
    for action in SYNC_RULE_ACTIONS:
        (rule,) = permissions[action]
        assert flatten(rule).endswith(f":rule/{SYNC_RULE_NAME}"), action


def test_state_machine_log_group_has_retention(synth: Synthesized) -> None:
    log_group = synth.resource(synth.stack.orchestration.log_group)["Properties"]
    assert log_group["RetentionInDays"] > 0
