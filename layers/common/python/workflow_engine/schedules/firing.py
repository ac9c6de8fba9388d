"""A schedule's firing (the scheduled-start function): start one run of the workflow per scheduled time.

- Exactly once per (schedule, scheduled time): the firing runs through the idempotency store keyed by the schedule
  id and `<aws.scheduler.scheduled-time>`, so a second delivery of the same firing gets the first one's outcome
  and starts nothing (one still in progress: it starts nothing either).
- A deleted or disabled schedule, or a deleted workflow, starts nothing and says why in a log line; these are
  permanent, so nothing is raised (Scheduler would retry a raised error). Only a passing failure (a 503 of the
  start) is raised, for Scheduler's retry policy, then its dead-letter queue.
- `overlap: skip`: while a run of the workflow is pending or running, nothing starts; the schedule's
  `last_skipped_at` is set and the `ScheduledRunsSkipped` metric counted.
- A run goes through StartExecution with trigger `schedule` (its id), so it runs the workflow's current version.
  The schedule records `last_run_at` and `last_execution_id`.
"""

from __future__ import annotations

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.schedules import ScheduleRepository
from workflow_engine.executions.idempotency import IdempotentCalls
from workflow_engine.executions.start import StartCommand, StartExecution
from workflow_engine.models.errors import ConflictError, InvalidRequestError, NotFoundError, PayloadTooLargeError
from workflow_engine.models.run_trigger import RunTrigger, TriggerType
from workflow_engine.models.schedules import Overlap, ScheduledFiring, ScheduledStartOutcome
from workflow_engine.platform import business_metrics
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import logger

OPERATION = "scheduled-start"
SCHEDULED_RUNS_STARTED = "ScheduledRunsStarted"
SCHEDULED_RUNS_SKIPPED = "ScheduledRunsSkipped"


class ScheduledStart:
    def __init__(
        self,
        schedules: ScheduleRepository,
        executions: ExecutionRepository,
        start: StartExecution,
        calls: IdempotentCalls,
    ) -> None:
        self._schedules = schedules
        self._executions = executions
        self._start = start
        self._calls = calls

    def __call__(self, firing: ScheduledFiring) -> ScheduledStartOutcome:
        key = f"{firing.schedule_id}#{firing.scheduled_time}"
        try:
            outcome = self._calls.once(
                OPERATION,
                firing.user_id,
                key,
                {"schedule_id": firing.schedule_id, "scheduled_time": firing.scheduled_time},
                lambda: self._fire(firing),
                ScheduledStartOutcome,
            )
        except ConflictError:
            outcome = ScheduledStartOutcome(started=False, reason="this firing is already being handled")
        logger.info(
            "Scheduled firing",
            schedule_id=firing.schedule_id,
            scheduled_time=firing.scheduled_time,
            started=outcome.started,
            execution_id=outcome.execution_id,
            reason=outcome.reason,
        )
        return outcome

    def _fire(self, firing: ScheduledFiring) -> ScheduledStartOutcome:
        schedule = self._schedules.get(firing.user_id, firing.workflow_id, firing.schedule_id)
        if schedule is None:
            return ScheduledStartOutcome(started=False, reason="the schedule was deleted")
        if not schedule.enabled:
            return ScheduledStartOutcome(started=False, reason="the schedule is disabled")
        if schedule.overlap is Overlap.SKIP and self._executions.has_active_run(firing.user_id, firing.workflow_id):
            self._schedules.mark(firing.user_id, firing.workflow_id, firing.schedule_id, last_skipped_at=utc_now())
            business_metrics.count(SCHEDULED_RUNS_SKIPPED)
            return ScheduledStartOutcome(started=False, reason="overlap skip: a run of the workflow is still active")
        trigger = RunTrigger(type=TriggerType.SCHEDULE, id=firing.schedule_id)
        command = StartCommand(workflow_id=firing.workflow_id, input_data=schedule.input_data)
        try:
            started = self._start(firing.user_id, command, trigger=trigger)
        except NotFoundError:
            return ScheduledStartOutcome(started=False, reason="the workflow was deleted")
        except (InvalidRequestError, PayloadTooLargeError) as error:  # permanent: retrying would fail alike
            return ScheduledStartOutcome(started=False, reason=f"the run was refused: {error}")
        self._schedules.mark(
            firing.user_id,
            firing.workflow_id,
            firing.schedule_id,
            last_run_at=utc_now(),
            last_execution_id=str(started.execution_id),
        )
        business_metrics.count(SCHEDULED_RUNS_STARTED)
        return ScheduledStartOutcome(started=True, execution_id=str(started.execution_id))
