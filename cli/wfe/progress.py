"""A run as one line per step, folded from its status object and its step logs. Pure (no I/O).

Step Functions writes one log item per attempt of a Lambda step; a `wait` step writes none, so it counts as
done once a later step has started (or the run completed). The first step that is not done, while the run is
pending or running, is the running one; a failed attempt with attempts left and nothing after it is a retry;
after a failed step (without continue_on_error) nothing runs.

A block step (`choice`, `parallel`, `map`) is one line, done by its inner steps' logs (which carry
`parent_step`): it runs while they do, it is done once a later step has started or the run completed, and a
run that ended in it failed in it (with its last inner error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfe.errors import TERMINAL_STATUSES
from wfe.nesting import Placements

SUCCEEDED, FAILED, RUNNING, PENDING, NOT_RUN = "succeeded", "failed", "running", "pending", "not_run"


@dataclass
class StepLine:
    name: str
    type: str
    state: str
    attempts: int = 0
    duration_ms: float | None = None
    error: str | None = None  # the last attempt's error message
    reused: bool = False  # a resumed run took this step's result from the run it retries


@dataclass
class RunState:
    """What the client knows of one run; `add` returns whether the event changed anything."""

    steps: list[dict[str, Any]]
    execution: dict[str, Any] | None = None
    logs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The approval steps waiting for a person now, by step name: from the status object's `waiting_for` and the
    # WebSocket's `approval` messages; a step's log (written when it is decided) ends its wait.
    waiting: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return (self.execution or {}).get("status", "pending")

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def add_execution(self, execution: dict[str, Any]) -> bool:
        if self.execution is not None and self.execution.get("status") in TERMINAL_STATUSES:
            return False  # a late or repeated message never moves a finished run back
        changed = execution != self.execution
        self.execution = execution
        if "waiting_for" in execution:
            entries = execution["waiting_for"] if execution.get("status") == "running" else []
            self.waiting = {
                str(entry.get("step_name")): entry
                for entry in entries or []
                if isinstance(entry, dict) and not self._decided_since(entry)
            }
        return changed

    def _decided_since(self, entry: dict[str, Any]) -> bool:
        """A log of the step at or after the wait's start: a status read before the decision, received after it."""
        since = str(entry.get("since") or "")
        return any(
            log.get("step_name") == entry.get("step_name") and str(log.get("timestamp") or "") >= since
            for log in self.logs.values()
        )

    def add_waiting(self, message: dict[str, Any]) -> bool:
        """An `approval` message: the step starts waiting (unless the run has ended)."""
        name = str(message.get("step_name", ""))
        if self.finished or not name or name in self.waiting:
            return False
        self.waiting[name] = {"step_name": name, "message": message.get("message")}
        return True

    def add_log(self, log: dict[str, Any]) -> bool:
        key = str(log.get("id"))
        if key in self.logs:
            return False
        self.logs[key] = log
        self.waiting.pop(str(log.get("step_name")), None)  # decided (or timed out): its log is written
        return True

    def ordered_logs(self) -> list[dict[str, Any]]:
        return sorted(self.logs.values(), key=lambda log: (str(log.get("timestamp", "")), log.get("attempt", 1)))

    def lines(self) -> list[StepLine]:
        logs = self.ordered_logs()
        return step_lines(self.steps or steps_seen(logs), logs, self.status)

    def failed_step(self) -> StepLine | None:
        return next((line for line in reversed(self.lines()) if line.state == FAILED), None)


def steps_seen(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top-level steps a run's logs name, in order (when the definition is not known: a deleted workflow)."""
    placements = Placements.of(logs=logs)
    seen: dict[str, dict[str, Any]] = {}
    for log in logs:
        name = placements.top(log)
        seen.setdefault(name, {"name": name, "type": placements.type.get(name, "")})
    return list(seen.values())


def step_lines(steps: list[dict[str, Any]], logs: list[dict[str, Any]], status: str) -> list[StepLine]:
    placements = Placements.of(steps, logs)
    attempts_of: dict[str, list[dict[str, Any]]] = {}
    inner_of: dict[str, list[dict[str, Any]]] = {}  # a top-level block's inner steps' logs
    for log in logs:
        top = placements.top(log)
        if top != log.get("step_name", ""):
            inner_of.setdefault(top, []).append(log)
        else:
            attempts_of.setdefault(log.get("step_name", ""), []).append(log)
    active = status not in TERMINAL_STATUSES
    started_after = [
        any(attempts_of.get(later.get("name")) or inner_of.get(later.get("name")) for later in steps[index + 1 :])
        for index in range(len(steps))
    ]
    lines: list[StepLine] = []
    running_seen = False
    for index, step in enumerate(steps):
        name, kind = step.get("name", ""), step.get("type", "")
        attempts = attempts_of.get(name, [])
        max_attempts = int((step.get("retry") or {}).get("max_attempts", 1))
        line = StepLine(name=name, type=kind, state=PENDING, attempts=len(attempts))
        if attempts:
            last = attempts[-1]
            line.duration_ms = sum(attempt.get("duration_ms") or 0 for attempt in attempts)
            line.error = last.get("error_message")
            line.reused = bool(last.get("reused"))
            if not line.error:
                line.state = SUCCEEDED
            elif active and not running_seen and not started_after[index] and len(attempts) < max_attempts:
                line.state = RUNNING  # a failed attempt, another one to come
            else:
                line.state = FAILED
        elif name in inner_of:
            line.state = SUCCEEDED if started_after[index] or status == "completed" else RUNNING if active else FAILED
            if line.state == FAILED:
                errors = [log.get("error_message") for log in inner_of[name] if log.get("error_message")]
                line.error = errors[-1] if errors else None
        elif kind == "wait" and (started_after[index] or status == "completed"):
            line.state = SUCCEEDED
            line.duration_ms = float((step.get("config") or {}).get("seconds", 0)) * 1000
        elif active and not running_seen:
            line.state = RUNNING
        elif not active:
            line.state = NOT_RUN
        # A running step, or a failure the run does not continue past, means nothing after it is running.
        running_seen = (
            running_seen or line.state == RUNNING or (line.state == FAILED and not step.get("continue_on_error"))
        )
        lines.append(line)
    return lines
