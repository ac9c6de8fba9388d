"""What started an execution: its `trigger` (DESIGN "Triggers").

`api`: a signed-in client's execute; `schedule`: a schedule's firing (id: the schedule's); `webhook`: a signed
inbound call (id: the trigger's); `retry`: POST .../retry (id: the original execution); `workflow`: a parent's
workflow step (id: the parent execution). Stored flat on the execution item (`trigger_type`, `trigger_id`), so a
list can filter on it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class TriggerType(StrEnum):
    API = "api"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
    RETRY = "retry"
    WORKFLOW = "workflow"


class RunTrigger(BaseModel):
    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(defer_build=True)

    type: TriggerType
    id: str | None = None


API_TRIGGER = RunTrigger(type=TriggerType.API)


def stored_trigger(values: dict[str, Any]) -> RunTrigger:
    """The trigger of a stored execution item; an item written before triggers were recorded has none, and is
    read from what it does carry (a retry's `retry_of`, a child's `parent_execution_id`), else `api`."""
    stored = values.get("trigger_type")
    if stored:
        return RunTrigger(type=TriggerType(stored), id=values.get("trigger_id"))
    if values.get("retry_of"):
        return RunTrigger(type=TriggerType.RETRY, id=values["retry_of"])
    if values.get("parent_execution_id"):
        return RunTrigger(type=TriggerType.WORKFLOW, id=values["parent_execution_id"])
    return API_TRIGGER
