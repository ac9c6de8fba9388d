"""Comparing executions: an N-way JSON diff and a step table aligned by step name and map iteration. Pure
functions.

Why a small function and not a diff library: deepdiff and jsonpatch compare two documents and describe how
to turn one into the other (a patch: moves, insertions that shift list indexes). Here N documents are read
side by side: for every JSON Pointer where they disagree, the value each one holds there. Walking the
documents together answers that directly; N-1 pairwise patches would have to be merged and re-resolved
against each document. Pointers are escaped as RFC 6901 says (tests check every emitted pointer against
the `jsonpointer` library).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow_engine.models.execution import ExecutionRecord, LogRecord


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def pointer_token(key: str | int) -> str:
    """One reference token of a JSON Pointer (RFC 6901 section 3: '~' -> '~0', then '/' -> '~1')."""
    return str(key).replace("~", "~0").replace("/", "~1")


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0, objects compare by their members whatever their order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(value, b[key]) for key, value in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def json_diff(documents: Sequence[Any]) -> list[dict[str, Any]]:
    """Where N JSON documents differ: [{"path": JSON Pointer, "values": [one per document, None where absent]}].

    Objects are compared member by member and arrays index by index while every document has an object
    (or an array) there; where they stop agreeing on the kind of value, the values themselves are listed.
    """
    entries: list[dict[str, Any]] = []
    stack: list[tuple[str, list[Any]]] = [("", list(documents))]
    while stack:
        path, values = stack.pop()
        if all(json_equal(values[0], value) for value in values[1:]):
            continue
        if all(isinstance(value, dict) for value in values):
            keys = list(dict.fromkeys(key for value in values for key in value))
            children = [(f"{path}/{pointer_token(key)}", [value.get(key, ABSENT) for value in values]) for key in keys]
        elif all(isinstance(value, list) for value in values):
            length = max(len(value) for value in values)
            children = [
                (f"{path}/{index}", [value[index] if index < len(value) else ABSENT for value in values])
                for index in range(length)
            ]
        else:
            entries.append({"path": path, "values": [None if value is ABSENT else value for value in values]})
            continue
        stack.extend(reversed(children))  # depth first, in document order
    return entries


# A row of the step table: a step name and the map iteration it ran in (None outside a map).
RowKey = tuple[str, int | None]


def _step_rows(logs: Sequence[LogRecord]) -> dict[RowKey, list[LogRecord]]:
    """Attempts by (step name, iteration), in the order the rows first logged (logs come oldest first)."""
    rows: dict[RowKey, list[LogRecord]] = {}
    for log in logs:
        rows.setdefault((log.step_name, log.iteration), []).append(log)
    return rows


def _row_order(by_execution: Mapping[str, Mapping[RowKey, Any]]) -> list[RowKey]:
    """Step names in order of first appearance in any execution; a name's iterations in index order (a map's
    iterations run at once, so the order they first logged in is no order at all)."""
    seen = list(dict.fromkeys(key for rows in by_execution.values() for key in rows))
    names = {name: position for position, name in enumerate(dict.fromkeys(name for name, _ in seen))}
    return sorted(seen, key=lambda key: (names[key[0]], -1 if key[1] is None else key[1]))


def _step_run(execution_id: str, attempts: Sequence[LogRecord]) -> dict[str, Any]:
    if not attempts:
        return {"execution_id": execution_id, "status": "not_run", "attempts": 0, "duration_ms": None}
    durations = [attempt.duration_ms for attempt in attempts if attempt.duration_ms is not None]
    return {
        "execution_id": execution_id,
        "status": "failed" if attempts[-1].error_message else "succeeded",
        "attempts": len(attempts),
        "duration_ms": sum(durations) if durations else None,
    }


def _output(attempts: Sequence[LogRecord]) -> Any:
    """A row's output in one execution: its last attempt's; absent when it did not run, or failed without logging
    one (a failed attempt logs null; a rejected approval logs its decision). Absent in every execution is no
    output difference."""
    if not attempts or (attempts[-1].error_message and attempts[-1].output_data is None):
        return ABSENT
    return attempts[-1].output_data


def difference_of(statuses: Sequence[str], output_diff: Sequence[Any]) -> str:
    """What kind of difference a row shows: `status` when it did not end the same way everywhere (failed in one
    run, not run in another: never an output difference, there is no output to compare), else `output` when the
    outputs differ, else `same`."""
    if len(set(statuses)) > 1:
        return "status"
    return "output" if output_diff else "same"


def compare(records: Sequence[ExecutionRecord], logs: Mapping[str, Sequence[LogRecord]]) -> dict[str, Any]:
    """The comparison of executions (status objects left to the caller): input and output diffs, and one row
    per step name and map iteration that logged in any of them (a top-level step: one row; a step inside a
    3-item map: three, `iteration` 0, 1, 2), step names in order of first appearance. A row's output is its last
    attempt's; a row that did not log in an execution (`not_run` there), or failed there logging no output, has
    no output there (absent: two absent outputs are equal). `difference` says how a row differs: `status`, `output`
    or `same`."""
    by_execution = {record.execution_id: _step_rows(logs.get(record.execution_id, ())) for record in records}
    steps = []
    for key in _row_order(by_execution):
        attempts = [by_execution[record.execution_id].get(key, []) for record in records]
        first = next(runs[0] for runs in attempts if runs)
        diff = json_diff([_output(runs) for runs in attempts])
        per_execution = [_step_run(record.execution_id, runs) for record, runs in zip(records, attempts, strict=True)]
        steps.append(
            {
                "step_name": first.step_name,
                "step_type": first.step_type,
                "parent_step": first.parent_step,
                "iteration": first.iteration,
                "per_execution": per_execution,
                "output_equal": not diff,
                "output_diff": diff,
                "difference": difference_of([run["status"] for run in per_execution], diff),
            }
        )
    return {
        "input_diff": json_diff([record.input_data for record in records]),
        "output_diff": json_diff([record.output_data for record in records]),
        "steps": steps,
    }
