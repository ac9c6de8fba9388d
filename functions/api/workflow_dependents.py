"""What a workflow owns besides its item and its state machine: its schedules and its inbound webhook triggers.
Deleting a workflow deletes them first (WorkflowService's `on_delete`), so none outlives it.

The schedule and trigger modules (their models, the cron parser, the Scheduler gateway) are imported by the
first delete: the workflow API's other requests never load them. Their routes are another function's
(api.triggers), which alone may create them; the workflow API's function may only list and delete them.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.platform.api_settings import WorkflowsApiSettings


class WorkflowDependents:
    def __init__(self, dynamodb: Any, scheduler: Any, settings: WorkflowsApiSettings) -> None:
        """`dynamodb`, `scheduler`: boto3 clients (workflow_engine.platform.aws, created on first use)."""
        self._dynamodb = dynamodb
        self._scheduler = scheduler
        self._settings = settings

    def delete_schedules(self, user_id: str, workflow_id: str) -> None:
        from workflow_engine.data.scheduler import ScheduleGroup
        from workflow_engine.data.schedules import ScheduleRepository
        from workflow_engine.schedules.service import delete_workflow_schedules

        settings = self._settings
        delete_workflow_schedules(
            ScheduleRepository(self._dynamodb, settings.schedules_table),
            ScheduleGroup(self._scheduler, settings.schedule_group_name),
            user_id,
            workflow_id,
        )

    def delete_triggers(self, user_id: str, workflow_id: str) -> None:
        from workflow_engine.data.triggers import TriggerRepository
        from workflow_engine.triggers.manage import delete_workflow_triggers

        delete_workflow_triggers(TriggerRepository(self._dynamodb, self._settings.triggers_table), user_id, workflow_id)
