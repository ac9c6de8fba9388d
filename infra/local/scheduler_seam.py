"""Seam 16 (infra/local/moto_seams.py lists the others): moto stores EventBridge Scheduler schedules and never
fires them. Here the local stack fires them itself, as EventBridge Scheduler does:

- every `TICK_SECONDS`, each schedule of the stack's group that is ENABLED and due (rate, cron or at, evaluated
  in its `ScheduleExpressionTimezone` by the same rules the API computes `next_run_at` with:
  workflow_engine.models.schedule_times) invokes its target function's real handler in-process, with the
  schedule's `Input`, `<aws.scheduler.scheduled-time>` (ISO-8601 UTC, `Z`) and `<aws.scheduler.execution-id>`
  substituted, as Scheduler's event reaches a Lambda target;
- a disabled schedule does not fire and a re-enabled one does not catch up; a deleted one is forgotten; a changed
  one is read afresh (its firings count from the change);
- a rate counts its periods from the schedule's creation; an at() fires once; a tick fires a schedule at most once,
  for its latest due time (after the process was paused, missed times are not replayed).
A firing whose handler fails is logged (Scheduler would retry it, then send it to the dead-letter queue).
Nothing in the product code knows about this: the target is called exactly as Lambda is.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.scheduler.models import scheduler_backends

from infra.local import moto_seams
from workflow_engine.models.schedule_times import ScheduleExpressionError, parse_schedule

TICK_SECONDS = 0.5
logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class _Cursor:
    modified: float  # the schedule's last_modified_date when read
    since: datetime  # firings after this instant are still to come


@dataclass(frozen=True)
class Firing:
    schedule_name: str
    scheduled_time: str
    payload: Any
    failed: bool


class SchedulerFirings:
    """Fires the due schedules of one group (`tick`), or keeps doing so on a thread (`start`/`stop`)."""

    def __init__(self, account_id: str, region: str, group_name: str, clock: Clock | None = None) -> None:
        self._account_id = account_id
        self._region = region
        self._group_name = group_name
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cursors: dict[str, _Cursor] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:  # a bad tick must not end local firing
                logger.exception("local scheduler tick failed")

    def tick(self) -> list[Firing]:
        """Fire every schedule of the group that is due now; what fired."""
        with self._lock:
            now = self._clock()
            group = scheduler_backends[self._account_id][self._region].schedule_groups.get(self._group_name)
            schedules = dict(group.schedules) if group is not None else {}
            for gone in set(self._cursors) - set(schedules):
                del self._cursors[gone]
            fired: list[Firing] = []
            for name, schedule in schedules.items():
                fired.extend(self._due(name, schedule, now))
            return fired

    def _due(self, name: str, schedule: Any, now: datetime) -> list[Firing]:
        cursor = self._cursors.get(name)
        if cursor is None or cursor.modified != schedule.last_modified_date:
            cursor = _Cursor(schedule.last_modified_date, datetime.fromtimestamp(schedule.last_modified_date, UTC))
            self._cursors[name] = cursor
        if schedule.state != "ENABLED":
            cursor.since = now  # no catching up once enabled again
            return []
        try:
            times = parse_schedule(schedule.schedule_expression, schedule.schedule_expression_timezone or "UTC")
        except ScheduleExpressionError:
            return []
        anchor = datetime.fromtimestamp(schedule.creation_date, UTC)
        latest = None
        due = times.next_after(cursor.since, anchor=anchor)
        while due is not None and due <= now:  # the latest due time only: Scheduler does not backfill
            latest = due
            due = times.next_after(due, anchor=anchor)
        if latest is None:
            return []
        cursor.since = latest
        return [self._fire(name, schedule, latest)]

    def _fire(self, name: str, schedule: Any, due: datetime) -> Firing:
        scheduled_time = due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = schedule.target.get("Input") or "{}"
        text = text.replace("<aws.scheduler.scheduled-time>", scheduled_time)
        text = text.replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
        text = text.replace("<aws.scheduler.schedule-arn>", schedule.arn)
        text = text.replace("<aws.scheduler.attempt-number>", "1")
        function = lambda_backend(self._account_id, self._region).get_function(schedule.target["Arn"])
        payload, failed = moto_seams.invoke_handler(
            function.handler, json.loads(text), function.function_name, function.function_arn
        )
        if failed:
            logger.warning("scheduled firing failed: %s %s %s", name, scheduled_time, payload[:500])
        return Firing(name, scheduled_time, json.loads(payload) if payload else None, failed)
