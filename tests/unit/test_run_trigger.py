"""What started an execution: the stored `trigger_type`/`trigger_id`, and items written before they existed."""

from __future__ import annotations

import pytest

from workflow_engine.models.execution import ExecutionRecord, ExecutionStatusResponse
from workflow_engine.models.run_trigger import RunTrigger, TriggerType, stored_trigger

BASE = {
    "execution_id": "3f0c4a52-4c53-4d43-9a39-3b0f9f3c1a11",
    "user_id": "u",
    "workflow_id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d",
    "workflow_version": 1,
    "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:x",
    "status": "completed",
    "started_at": "2026-12-05T10:00:00.000000Z",
    "updated_at": "2026-12-05T10:00:01.000000Z",
}
ORIGINAL = "6a1f0e2b-9d7c-4b3a-8e5f-1c2d3e4f5a6b"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({}, RunTrigger(type=TriggerType.API)),
        ({"retry_of": ORIGINAL}, RunTrigger(type=TriggerType.RETRY, id=ORIGINAL)),
        ({"parent_execution_id": ORIGINAL}, RunTrigger(type=TriggerType.WORKFLOW, id=ORIGINAL)),
        ({"trigger_type": "schedule", "trigger_id": "s-1"}, RunTrigger(type=TriggerType.SCHEDULE, id="s-1")),
        (
            {"trigger_type": "webhook", "trigger_id": "t-1", "retry_of": None},
            RunTrigger(type=TriggerType.WEBHOOK, id="t-1"),
        ),
    ],
)
def test_the_trigger_of_a_stored_item(stored, expected):
    assert stored_trigger(stored) == expected
    record = ExecutionRecord.model_validate({**BASE, **stored})
    assert record.trigger == expected
    assert ExecutionStatusResponse.of(record).model_dump(mode="json")["trigger"] == expected.model_dump(mode="json")


def test_an_unknown_stored_trigger_type_is_refused():
    with pytest.raises(ValueError):
        ExecutionRecord.model_validate({**BASE, "trigger_type": "cron"})
