"""What one stream record adds to the metrics: a pure function of the record's images.

- An execution counts once, when it reaches a terminal status (the MODIFY, or an INSERT already terminal, whose
  old image was not terminal): in the buckets of its `started_at`, by status, with its duration
  (completed_at - started_at).
- A step attempt counts once, when its log item is written (INSERT): in the buckets of its `timestamp` (the
  attempt's start), as an attempt, a failure if it carries an error, with its duration_ms. A log item a resumed
  execution wrote for a step it did not run (`reused_from_execution_id`: its result was reused from an earlier
  attempt, which counted when it ran) adds nothing: no step ran. An approval step's attempt counts as an attempt
  (a failure if rejected) without a duration: its log's duration_ms is the time a person took to decide, not the
  time a step ran, so it never enters the step duration percentiles (an execution's own duration, start to end,
  does include the wait).

Each contribution names the marker that makes it count exactly once (`execution#<id>`, `log#<log id>`): the
marker is written in the same transaction as the counts, on condition that it does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow_engine.models.execution import ExecutionStatus
from workflow_engine.models.metric_buckets import parse_stored_time

TERMINAL = {status.value for status in ExecutionStatus if status.is_terminal}


@dataclass(frozen=True)
class Contribution:
    user_id: str
    workflow_id: str
    moment: datetime  # which buckets
    marker: str  # counted once per marker
    duration_ms: int | None
    status: str | None = None  # executions: their terminal status
    step_name: str | None = None  # steps
    step_type: str | None = None
    failed: bool = False

    @property
    def is_step(self) -> bool:
        return self.step_name is not None


def contribution_of(
    event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> Contribution | None:
    """The contribution of one stream record (plain-value images), or None when it adds nothing."""
    if not new_image or event_name not in ("INSERT", "MODIFY"):
        return None
    if "log_key" in new_image:
        return _step(new_image) if event_name == "INSERT" and not new_image.get("reused_from_execution_id") else None
    if "started_at" in new_image and "execution_id" in new_image:
        return _execution(new_image, old_image)
    return None


def _execution(new: dict[str, Any], old: dict[str, Any] | None) -> Contribution | None:
    status = new.get("status")
    if status not in TERMINAL or (old is not None and old.get("status") in TERMINAL):
        return None
    started = parse_stored_time(new["started_at"])
    duration = None
    if new.get("completed_at"):
        duration = max(0, round((parse_stored_time(new["completed_at"]) - started).total_seconds() * 1000))
    return Contribution(
        user_id=new["user_id"],
        workflow_id=new["workflow_id"],
        moment=started,
        marker=f"execution#{new['execution_id']}",
        duration_ms=duration,
        status=status,
    )


# Step types whose log duration is waiting time, not running time (models.approvals).
WAITING_STEP_TYPES = frozenset({"approval"})


def _step(new: dict[str, Any]) -> Contribution:
    duration = new.get("duration_ms") if new["step_type"] not in WAITING_STEP_TYPES else None
    return Contribution(
        user_id=new["user_id"],
        workflow_id=new["workflow_id"],
        moment=parse_stored_time(new["timestamp"]),
        marker=f"log#{new['id']}",
        duration_ms=int(duration) if duration is not None else None,
        step_name=new["step_name"],
        step_type=new["step_type"],
        failed=bool(new.get("error_message")),
    )
