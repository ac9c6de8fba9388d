"""IAM of approval steps: the API decides on this stack's machines only, the machines may invoke the token-storing
function, and that function writes the executions table (UpdateItem) and its log items, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.catalog import EXECUTIONS_API, STEP_FUNCTIONS, WORKFLOWS_API, step_function_of
from workflow_engine.platform import tables

if TYPE_CHECKING:
    from conftest import Synthesized

SEND_TASK = ("states:SendTaskSuccess", "states:SendTaskFailure")


def test_the_executions_api_sends_decisions_to_this_stacks_machines_only(synth: Synthesized) -> None:
    stack = synth.stack
    permissions = synth.permissions(stack.functions.roles[EXECUTIONS_API.id])
    for action in SEND_TASK:
        assert permissions[action] == [synth.resolve(stack.orchestration.state_machines_arn)], action
    assert "states:SendTaskHeartbeat" not in permissions
    others = synth.permissions(stack.functions.roles[WORKFLOWS_API.id])
    assert not any(action in others for action in SEND_TASK)


def test_the_machines_may_invoke_the_approval_function(synth: Synthesized) -> None:
    stack = synth.stack
    approval = synth.get_att(stack.functions.functions[step_function_of("approval").id])
    invoke = synth.permissions(stack.orchestration.role)["lambda:InvokeFunction"]
    assert approval in invoke


def test_the_approval_function_updates_executions_and_puts_logs_only(synth: Synthesized) -> None:
    stack = synth.stack
    spec = step_function_of("approval")
    permissions = synth.permissions(stack.functions.roles[spec.id])
    dynamodb = {action: resources for action, resources in permissions.items() if action.startswith("dynamodb:")}
    assert dynamodb == {
        "dynamodb:UpdateItem": [synth.get_att(stack.data.table(tables.EXECUTIONS))],
        "dynamodb:PutItem": [synth.get_att(stack.data.table(tables.LOGS))],
    }
    assert not any(action.startswith("states:") for action in permissions)
    for other in STEP_FUNCTIONS:
        if other.id != spec.id:
            granted = synth.permissions(stack.functions.roles[other.id])
            assert "dynamodb:UpdateItem" not in granted, other.id
