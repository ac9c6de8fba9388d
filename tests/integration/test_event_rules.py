"""Status changes reach the reconciler through the provisioned EventBridge rule, as in AWS: only events its pattern
matches, only while it is enabled (moto_seams.deliver_to_event_rules; the rule comes from infra/declarations.py)."""

from __future__ import annotations

import uuid

import boto3
import pytest

from infra.declarations import STATUS_CHANGE_RULE
from infra.local import moto_seams
from infra.local.provision import NAME_PREFIX, STATE_MACHINE_PREFIX


def _event(resources, status: str, state_machine: str) -> dict:
    account = "123456789012"
    machine_arn = f"arn:aws:states:{resources.region}:{account}:stateMachine:{state_machine}"
    name = str(uuid.uuid4())
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": account,
        "time": "2026-01-01T00:00:00Z",
        "region": resources.region,
        "resources": [f"{machine_arn.replace(':stateMachine:', ':execution:')}:{name}"],
        "detail": {
            "executionArn": f"{machine_arn}:{name}",
            "stateMachineArn": machine_arn,
            "name": name,
            "status": status,
        },
    }


class _Invoked:
    """The functions the rules invoked, per event: the seam is process-wide, so other tests' executions finishing
    meanwhile may invoke the reconciler too; only this test's events count."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def record(self, handler: str, event: dict, name: str, arn: str = "") -> None:
        self.calls.append((name, event.get("id", "")))

    def of(self, event: dict) -> list[str]:
        return [name for name, event_id in self.calls if event_id == event["id"]]


@pytest.fixture
def invoked(monkeypatch):
    calls = _Invoked()
    monkeypatch.setattr(moto_seams, "invoke_handler", calls.record)
    return calls


def test_a_terminal_status_of_this_stacks_machine_reaches_the_reconciler(resources, invoked):
    event = _event(resources, "SUCCEEDED", f"{STATE_MACHINE_PREFIX}wf")
    delivered = moto_seams.deliver_to_event_rules(event)
    assert delivered == invoked.of(event) == [f"{NAME_PREFIX}-{STATUS_CHANGE_RULE.target_function_id}"]


@pytest.mark.parametrize(
    ("status", "machine"), [("RUNNING", f"{STATE_MACHINE_PREFIX}wf"), ("FAILED", "another-stack-wf")]
)
def test_events_the_pattern_does_not_match_reach_nobody(resources, invoked, status, machine):
    event = _event(resources, status, machine)
    assert moto_seams.deliver_to_event_rules(event) == invoked.of(event) == []


def test_a_disabled_rule_delivers_nothing(resources, invoked):
    events = boto3.client("events", region_name=resources.region)
    rule = f"{NAME_PREFIX}-{STATUS_CHANGE_RULE.id}"
    events.disable_rule(Name=rule)
    event = _event(resources, "FAILED", f"{STATE_MACHINE_PREFIX}wf")
    try:
        assert moto_seams.deliver_to_event_rules(event) == []
    finally:
        events.enable_rule(Name=rule)
    assert invoked.of(event) == []
