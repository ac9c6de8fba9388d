"""The N-way JSON diff and the step table of a comparison (workflow_engine.executions.comparison), pure."""

from __future__ import annotations

import jsonpointer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_engine.executions.comparison import compare, difference_of, json_diff, json_equal, pointer_token
from workflow_engine.models.execution import ExecutionRecord, LogRecord

_MISSING = object()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "~", "/", "a/b~"]), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, min_size=2, max_size=4))
def test_every_entry_names_a_pointer_where_the_documents_differ(documents):
    entries = json_diff(documents)
    for entry in entries:
        resolved = [jsonpointer.resolve_pointer(document, entry["path"], _MISSING) for document in documents]
        assert not all(json_equal(resolved[0], value) for value in resolved[1:]), entry
        for value, document_value in zip(entry["values"], resolved, strict=True):
            assert json_equal(value, None if document_value is _MISSING else document_value)
    assert (entries == []) == all(json_equal(documents[0], document) for document in documents[1:])


def test_objects_and_arrays_are_walked_and_a_change_of_kind_is_listed_whole():
    documents = [
        {"same": 1, "n": 1, "list": [1, 2, 3], "kind": {"x": 1}, "only_first": True},
        {"same": 1, "n": 2, "list": [1, 9], "kind": [1]},
        {"same": 1, "n": 1, "list": [1, 2], "kind": "text", "only_third": None},
    ]
    assert json_diff(documents) == [
        {"path": "/n", "values": [1, 2, 1]},
        {"path": "/list/1", "values": [2, 9, 2]},
        {"path": "/list/2", "values": [3, None, None]},
        {"path": "/kind", "values": [{"x": 1}, [1], "text"]},
        {"path": "/only_first", "values": [True, None, None]},
        {"path": "/only_third", "values": [None, None, None]},  # absent and null both read null
    ]


def test_the_whole_document_is_the_empty_pointer():
    assert json_diff([None, {"a": 1}]) == [{"path": "", "values": [None, {"a": 1}]}]
    assert json_diff([{"a": 1}, {"a": 1}, {"a": 1}]) == []


def test_pointer_tokens_are_escaped_as_rfc_6901_says():
    assert pointer_token("a/b~c") == "a~1b~0c"
    assert pointer_token("~1") == "~01"
    entries = json_diff([{"a/b": {"~": 1}}, {"a/b": {"~": 2}}])
    assert entries == [{"path": "/a~1b/~0", "values": [1, 2]}]
    assert jsonpointer.JsonPointer(entries[0]["path"]).parts == ["a/b", "~"]


def test_json_equality_is_not_pythons():
    assert not json_equal(True, 1)
    assert not json_equal(0, False)
    assert json_equal(1, 1.0)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not json_equal({"a": None}, {})
    assert json_diff([[True], [1]]) == [{"path": "/0", "values": [True, 1]}]


def _record(execution_id: str, input_data, output_data) -> ExecutionRecord:
    return ExecutionRecord(
        execution_id=execution_id,
        user_id="u",
        workflow_id="w",
        workflow_version=1,
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        status="completed",
        input_data=input_data,
        output_data=output_data,
        started_at="2026-01-01T00:00:00.000000Z",
        updated_at="2026-01-01T00:00:00.000000Z",
    )


def _log(execution_id: str, step: str, attempt: int, output, error=None, duration=10, step_type="transform"):
    return LogRecord(
        id=f"{execution_id}-{step}-{attempt}",
        execution_id=execution_id,
        user_id="u",
        workflow_id="w",
        step_name=step,
        step_type=step_type,
        attempt=attempt,
        output_data=output,
        duration_ms=duration,
        error_message=error,
        timestamp="2026-01-01T00:00:00.000000Z",
    )


def test_steps_are_aligned_by_name_in_order_of_first_appearance():
    records = [_record("e1", {"n": 1}, {"r": 1}), _record("e2", {"n": 1}, {"r": 2})]
    logs = {
        "e1": [
            _log("e1", "Load", 1, {"v": 1}),
            _log("e1", "Call", 1, None, "boom", 5),
            _log("e1", "Call", 2, {"ok": 1}),
        ],
        "e2": [_log("e2", "Load", 1, {"v": 1}, duration=None), _log("e2", "Only here", 1, None, "bad", 3, "http")],
    }
    result = compare(records, logs)
    assert result["input_diff"] == []
    assert result["output_diff"] == [{"path": "/r", "values": [1, 2]}]
    rows = {row["step_name"]: row for row in result["steps"]}
    assert list(rows) == ["Load", "Call", "Only here"]
    assert rows["Load"]["output_equal"] is True and rows["Load"]["output_diff"] == []
    assert rows["Load"]["per_execution"] == [
        {"execution_id": "e1", "status": "succeeded", "attempts": 1, "duration_ms": 10},
        {"execution_id": "e2", "status": "succeeded", "attempts": 1, "duration_ms": None},
    ]
    assert rows["Call"]["per_execution"] == [
        {"execution_id": "e1", "status": "succeeded", "attempts": 2, "duration_ms": 15},  # last attempt decides
        {"execution_id": "e2", "status": "not_run", "attempts": 0, "duration_ms": None},
    ]
    assert rows["Call"]["output_diff"] == [{"path": "", "values": [{"ok": 1}, None]}]
    assert rows["Only here"]["step_type"] == "http"
    assert rows["Only here"]["per_execution"][1]["status"] == "failed"
    # not run in one, failed in the other: neither has an output, so no output difference, a status difference
    assert rows["Only here"]["output_equal"] is True and rows["Only here"]["output_diff"] == []
    assert rows["Only here"]["difference"] == "status"
    assert rows["Load"]["difference"] == "same"
    assert rows["Call"]["difference"] == "status"


def test_a_step_that_failed_here_and_did_not_run_there_is_a_status_difference_not_an_output_one():
    records = [_record("e1", None, None), _record("e2", None, None)]
    logs = {"e1": [_log("e1", "Load", 1, 1), _log("e1", "Call", 1, None, "boom")], "e2": [_log("e2", "Load", 1, 1)]}
    _, call = compare(records, logs)["steps"]
    assert [run["status"] for run in call["per_execution"]] == ["failed", "not_run"]
    assert call["difference"] == "status"
    assert call["output_equal"] is True and call["output_diff"] == []


def test_a_failed_attempt_that_logged_an_output_keeps_it():
    records = [_record("e1", None, None), _record("e2", None, None), _record("e3", None, None)]
    logs = {  # a rejected approval logs its decision; other failures log null (no output)
        "e1": [_log("e1", "Sign", 1, {"decision": "reject"}, "ApprovalRejected")],
        "e2": [_log("e2", "Sign", 1, {"decision": "approve"})],
        "e3": [_log("e3", "Sign", 1, None, "boom")],
    }
    (sign,) = compare(records, logs)["steps"]
    assert sign["difference"] == "status"
    assert {"path": "", "values": [{"decision": "reject"}, {"decision": "approve"}, None]} in sign["output_diff"]
    assert compare(records[::2], logs)["steps"][0]["output_diff"] == [
        {"path": "", "values": [{"decision": "reject"}, None]}
    ]


def test_the_same_status_with_different_outputs_is_an_output_difference():
    records = [_record("e1", None, None), _record("e2", None, None), _record("e3", None, None)]
    logs = {eid: [_log(eid, "S", 1, {"v": value})] for eid, value in (("e1", 1), ("e2", 1), ("e3", 2))}
    (row,) = compare(records, logs)["steps"]
    assert row["difference"] == "output"
    assert row["output_diff"] == [{"path": "/v", "values": [1, 1, 2]}]


@pytest.mark.parametrize(
    ("statuses", "diff", "expected"),
    [
        (["succeeded", "succeeded"], [], "same"),
        (["failed", "failed"], [], "same"),
        (["not_run", "not_run", "not_run"], [], "same"),
        (["succeeded", "succeeded"], [{"path": "", "values": [1, 2]}], "output"),
        (["failed", "not_run"], [], "status"),
        (["succeeded", "failed"], [{"path": "", "values": [1, None]}], "status"),  # status first
        (["succeeded", "succeeded", "not_run"], [{"path": "", "values": [1, 2, None]}], "status"),
    ],
)
def test_the_difference_kind_puts_status_before_output(statuses, diff, expected):
    assert difference_of(statuses, diff) == expected


def test_a_step_that_output_null_differs_from_one_that_did_not_run_only_in_its_status():
    records = [_record("e1", None, None), _record("e2", None, None)]
    result = compare(records, {"e1": [_log("e1", "S", 1, None)], "e2": []})
    (row,) = result["steps"]
    assert [run["status"] for run in row["per_execution"]] == ["succeeded", "not_run"]
    assert row["output_equal"] is False
    assert row["output_diff"] == [{"path": "", "values": [None, None]}]  # the statuses tell null from absent
    assert row["difference"] == "status"


def _inner(execution_id: str, step: str, iteration: int, output, attempt=1, error=None):
    log = _log(execution_id, step, attempt, output, error)
    return log.model_copy(update={"id": f"{log.id}-{iteration}", "parent_step": "each", "iteration": iteration})


def test_steps_inside_a_map_are_aligned_by_name_and_iteration():
    records = [_record("e1", None, None), _record("e2", None, None)]
    logs = {  # iterations run at once: their logs interleave in any order
        "e1": [_log("e1", "first", 1, 0), _inner("e1", "check", 2, "c"), _inner("e1", "check", 0, "a")]
        + [_inner("e1", "check", 1, "b", error="boom"), _inner("e1", "check", 1, "b", attempt=2)],
        "e2": [_log("e2", "first", 1, 0), _inner("e2", "check", 0, "a"), _inner("e2", "check", 1, "B")],
    }
    rows = compare(records, logs)["steps"]
    assert [(row["step_name"], row["parent_step"], row["iteration"]) for row in rows] == [
        ("first", None, None),
        ("check", "each", 0),
        ("check", "each", 1),
        ("check", "each", 2),
    ]
    _, zero, one, two = rows
    assert zero["output_equal"] is True
    assert [run["attempts"] for run in one["per_execution"]] == [2, 1]
    assert one["output_diff"] == [{"path": "", "values": ["b", "B"]}]
    assert [run["status"] for run in two["per_execution"]] == ["succeeded", "not_run"]
