"""Resuming a stopped execution: where it stopped, the state document to start from, the logs it reuses.

Pure functions over what Step Functions and the logs table recorded (the service does the reading):

- The resume point is the last top-level step state the original entered (its execution history is the
  source of truth): the step that failed and ended it, or the one running when it was cancelled or timed
  out. States of steps nested in a block are not resume points: a failure inside a block resumes at that
  top-level block (it was entered before its inner steps). An original that never entered a step (cancelled
  before it began, never started) resumes at the first step.
- The document to start from is that state's recorded input: the results of every earlier top-level step and
  of the steps nested in them (by path key, workflow_engine.models.step_tree) exactly as the original's later steps
  saw them (a `continue_on_error` step's caught error included), plus the resume marker, the path key the
  compiled "$resume" Choice jumps on (see compiler.py). New `input_data`, if given, replaces the input;
  earlier results are kept.
- Each earlier step that writes logs (nested ones included) gets one log item in the new execution per map
  iteration it ran in (one, outside a map), marked as reused and pointing at the original's attempt whose
  result was reused (or, if that item was itself reused, at the attempt it pointed to).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.asl import approval as _approval  # noqa: F401 (registers the approval kind)
from workflow_engine.asl import blocks as _blocks  # noqa: F401 (registers the block kinds with the registry)
from workflow_engine.asl.names import RESUME_MARKER
from workflow_engine.asl.registry import kind_of
from workflow_engine.asl.state_document import initial_document
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.step_tree import StepTree, top_key, top_level_index

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class ResumePoint:
    index: int  # position of the top-level step to start at
    document: dict[str, Any]  # the state document as the original had it when it entered that step

    @property
    def key(self) -> str:
        """The path key of the top-level step to start at (what the "$resume" Choice jumps on)."""
        return top_key(self.index)


def resume_point(events: Iterable[Mapping[str, Any]], entry_states: Sequence[str], input_data: Any) -> ResumePoint:
    """The last top-level step entered in an execution history (oldest-first events), and its input document.
    `entry_states`: the state each top-level step starts at, in order (asl.registry.entry_state: the step's name,
    or an engine state its kind runs first, such as a map's "$items" guard, which may end the step before the
    state named by the step is ever entered)."""
    position = {name: index for index, name in enumerate(entry_states)}
    found = ResumePoint(0, initial_document(input_data))
    for event in events:
        details = event.get("stateEnteredEventDetails")
        if not event.get("type", "").endswith("StateEntered") or not details or details.get("name") not in position:
            continue
        document = json.loads(details.get("input") or "{}")
        found = ResumePoint(position[details["name"]], document if isinstance(document, dict) else {})
    return found


def resume_document(point: ResumePoint, input_data: Any) -> dict[str, Any]:
    """The new execution's input: `input_data`, the results of the steps before the resume point (those nested
    in earlier blocks included), the marker."""
    results = point.document.get("results") or {}
    kept = {key: result for key, result in results.items() if _before(key, point.index)}
    return {"input": input_data, "results": kept, RESUME_MARKER: {"at": point.key}}


def _before(key: str, index: int) -> bool:
    position = top_level_index(key)
    return position is not None and position < index


def reused_logs(
    steps: Sequence[Any],
    point: ResumePoint,
    original_logs: Sequence[LogRecord],
    execution_id: str,
    now: str,
) -> list[LogRecord]:
    """One log item per logging step before the resume point and per map iteration it ran in (walking the step
    tree: a step, then the steps nested in it; a step's iterations in index order), copying the original's last
    attempt of it.

    Timestamps are `now` plus one microsecond per item, so the reused steps list in step order and before
    anything the new execution runs.
    """
    last_attempt: dict[str, dict[int | None, LogRecord]] = {}
    for record in original_logs:  # oldest first: the last one seen is the last attempt
        last_attempt.setdefault(record.step_name, {})[record.iteration] = record
    base = datetime.strptime(now, TIMESTAMP_FORMAT)
    reused: list[LogRecord] = []
    tree = StepTree(steps)
    for index in range(point.index):
        for node in tree.under_top_level(index):
            if not kind_of(node.step).writes_logs:
                continue
            iterations = last_attempt.get(node.name, {})
            for iteration in sorted(iterations, key=lambda at: -1 if at is None else at):
                at = base + timedelta(microseconds=len(reused))
                reused.append(_reused(iterations[iteration], execution_id, at))
    return reused


def _reused(source: LogRecord, execution_id: str, at: datetime) -> LogRecord:
    return source.model_copy(
        update={
            "id": str(uuid.uuid4()),
            "execution_id": execution_id,
            "duration_ms": 0,
            "timestamp": at.strftime(TIMESTAMP_FORMAT),
            "reused_from_execution_id": source.reused_from_execution_id or source.execution_id,
            "reused_from_log_id": source.reused_from_log_id or source.id,
        }
    )
