"""Resume planning from an execution history and the original's logs (pure)."""

from __future__ import annotations

import json

from tests.support.group_kind import GroupStep, register_group_kind
from workflow_engine.asl.resume import ResumePoint, resume_document, resume_point, reused_logs
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.workflow import WorkflowDefinition

NAMES = ["a", "nap", "b", "c"]
NOW = "2026-02-01T00:00:00.000000Z"
register_group_kind()
STEPS = WorkflowDefinition(
    name="w",
    steps=[
        {"name": "a", "type": "transform", "config": {"expression": "input"}},
        {"name": "nap", "type": "wait", "config": {"seconds": 1}},
        {"name": "b", "type": "http", "config": {"url": "https://example.com"}},
        {"name": "c", "type": "transform", "config": {"expression": "input"}},
    ],
).steps


def entered(kind, name, document):
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name, "input": json.dumps(document)}}


def log(step, attempt, error=None, **extra):
    return LogRecord(
        id=f"00000000-0000-4000-8000-00000000000{attempt}" if step == "b" else "00000000-0000-4000-8000-0000000000aa",
        execution_id="orig",
        user_id="u",
        workflow_id="w",
        step_name=step,
        step_type="http" if step == "b" else "transform",
        attempt=attempt,
        output_data={"step": step, "attempt": attempt},
        error_message=error,
        timestamp=f"2026-01-01T00:00:0{attempt}.000000Z",
        **extra,
    )


def test_the_last_step_entered_is_the_resume_point_with_its_input_document():
    after_a = {"input": {"x": 1}, "results": {"s0": {"output": 1}}}
    after_b = {"input": {"x": 1}, "results": {"s0": {"output": 1}, "s2": {"output": 2}}}
    events = [
        entered("Task", "$mark running", {"input": {"x": 1}, "results": {}}),
        entered("Task", "a", {"input": {"x": 1}, "results": {}}),
        entered("Wait", "nap", after_a),
        entered("Task", "b", after_a),
        entered("Task", "c", after_b),
        entered("Task", "$record failure", after_b),
        entered("Fail", "$failed", after_b),
    ]
    point = resume_point(events, NAMES, {"x": 1})
    assert point == ResumePoint(3, after_b)


def test_no_step_entered_resumes_at_the_first_step_with_the_input():
    point = resume_point([entered("Task", "$mark running", {})], NAMES, {"x": 2})
    assert point == ResumePoint(0, {"input": {"x": 2}, "results": {}})


def test_the_document_keeps_earlier_results_only_and_carries_the_marker_and_new_input():
    point = ResumePoint(2, {"input": {"x": 1}, "results": {"s0": {"output": 1}, "s2": {"output": "stale"}}, "error": 1})
    assert resume_document(point, {"x": 9}) == {
        "input": {"x": 9},
        "results": {"s0": {"output": 1}},
        "resume": {"at": "s2"},
    }


def test_reused_logs_copy_the_last_attempt_of_each_lambda_step_before_the_point():
    originals = [log("a", 1), log("b", 1, error="boom"), log("b", 2), log("c", 3, error="bad")]
    reused = reused_logs(STEPS, ResumePoint(3, {}), originals, "new", "2026-02-01T00:00:00.000000Z")
    assert [(r.step_name, r.attempt, r.reused_from_log_id) for r in reused] == [
        ("a", 1, originals[0].id),
        ("b", 2, originals[2].id),
    ]
    assert all(r.execution_id == "new" and r.reused_from_execution_id == "orig" for r in reused)
    assert [r.timestamp for r in reused] == ["2026-02-01T00:00:00.000000Z", "2026-02-01T00:00:00.000001Z"]
    assert reused[1].output_data == {"step": "b", "attempt": 2} and reused[1].duration_ms == 0


def test_a_reused_log_of_a_reused_log_points_at_the_attempt_that_ran():
    copy = log("a", 1, reused_from_execution_id="first", reused_from_log_id="00000000-0000-4000-8000-0000000000ff")
    (reused,) = reused_logs(STEPS, ResumePoint(2, {}), [copy], "new", "2026-02-01T00:00:00.000000Z")
    assert (reused.reused_from_execution_id, reused.reused_from_log_id) == (
        "first",
        "00000000-0000-4000-8000-0000000000ff",
    )


def test_a_resumed_document_keeps_the_results_nested_in_earlier_blocks_and_jumps_by_path_key():
    results = {"s0": {"output": 1}, "s0_b1_s0": {"output": 2}, "s1": {"output": "stale"}, "s1_b0_s0": {"output": 3}}
    point = ResumePoint(1, {"input": {}, "results": results})
    assert point.key == "s1"
    assert resume_document(point, None)["results"] == {"s0": {"output": 1}, "s0_b1_s0": {"output": 2}}


def test_reused_logs_walk_the_steps_nested_in_earlier_blocks():
    inner = [log("b", 2)]
    block = GroupStep("g", [[STEPS[2]]])  # holds "b"
    reused = reused_logs([STEPS[0], block, STEPS[3]], ResumePoint(2, {}), [log("a", 1), *inner], "new", NOW)
    assert [r.step_name for r in reused] == ["a", "b"]


def test_states_of_nested_steps_are_not_resume_points_their_block_is():
    before_block = {"input": {}, "results": {"s0": {"output": 1}}}
    events = [entered("Task", "a", {}), entered("Parallel", "g", before_block), entered("Task", "b", {"other": 1})]
    assert resume_point(events, ["a", "g", "c"], {}) == ResumePoint(1, before_block)


def test_reused_logs_keep_the_last_attempt_of_every_map_iteration():
    """Keyed by step name only, a map's earlier iterations were lost: one reused item for three iterations."""
    iterations = [
        log("b", 1, iteration=2, error="boom"),
        log("b", 1, iteration=0),
        log("b", 2, iteration=2),
        log("b", 1, iteration=1),
    ]
    block = GroupStep("g", [[STEPS[2]]])
    reused = reused_logs([STEPS[0], block, STEPS[3]], ResumePoint(2, {}), [log("a", 1), *iterations], "new", NOW)
    assert [(r.step_name, r.iteration, r.attempt, r.error_message) for r in reused] == [
        ("a", None, 1, None),
        ("b", 0, 1, None),
        ("b", 1, 1, None),
        ("b", 2, 2, None),
    ]
    assert [r.timestamp for r in reused] == sorted(r.timestamp for r in reused)
