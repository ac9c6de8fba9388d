"""POST /api/workflows/executions/{id}/retry: restart and resume on real compiled state machines (moto).

The step before the failing one is an `http` step against a loopback server that counts its calls: a resume
must not call it again (its recorded output is reused, its log says so), a restart must.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from bench.harness import history, state_transitions
from infra.local import moto_seams
from tests.integration.conftest import wait_for, wait_terminal
from tests.support.loopback import json_server


class Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = itertools.count(1)
        self.calls = 0

    def __call__(self, path, headers):
        with self._lock:
            self.calls += 1
            return {"n": next(self._values)}


@pytest.fixture
def counter():
    counting = Counter()
    with json_server(counting) as url:
        counting.url = url
        yield counting


def steps(url):
    return [
        {"name": "Fetch count", "type": "http", "config": {"url": f"{url}/count"}},
        {
            "name": "Shape",
            "type": "transform",
            "config": {"expression": '{fetched: steps."Fetch count".output.body.n}'},
        },
        {"name": "Pause", "type": "wait", "config": {"seconds": 0}},
        {"name": "Check", "type": "transform", "config": {"expression": "abs(input.word)"}},
        {
            "name": "Finish",
            "type": "transform",
            "config": {"expression": "{n: steps.Shape.output.fetched, checked: steps.Check.output}"},
        },
    ]


def create(api, definition):
    status, body, _ = api.call("POST", "/api/workflows", {"name": "retry me", "steps": definition})
    assert status == 201, body
    return body


def execute(api, workflow_id, input_data):
    status, body, _ = api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data})
    assert status == 202, body
    return wait_terminal(api, body["execution_id"])


def retry(api, execution_id, body, headers=None):
    return api.call("POST", f"/api/workflows/executions/{execution_id}/retry", body, headers=headers)


def logs(api, execution_id):
    status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs")
    assert status == 200, body
    return body


@pytest.fixture
def failed(api, counter):
    workflow = create(api, steps(counter.url))
    original = execute(api, workflow["id"], {"word": "abc"})
    assert original["status"] == "failed" and "Check" in original["error_message"]
    assert original["retry_of"] is None
    assert counter.calls == 1
    return workflow, original


def test_resume_reuses_earlier_results_without_calling_them_again(api, counter, failed, resources):
    workflow, original = failed
    before = api.call("GET", f"/api/workflows/executions/{original['id']}")[1]

    status, started, _ = retry(api, original["id"], {"mode": "resume", "input_data": {"word": -7}})
    assert status == 202, started
    assert started["retry_of"] == original["id"] and started["execution_id"] != original["id"]
    final = wait_terminal(api, started["execution_id"])

    assert final["status"] == "completed", final
    assert final["retry_of"] == original["id"]
    assert final["input_data"] == {"word": -7}
    assert final["output_data"] == {"n": 1, "checked": 7}  # "Shape" reused from the original (first call: n = 1)
    assert counter.calls == 1  # the http step was not called again
    assert api.call("GET", f"/api/workflows/executions/{original['id']}")[1] == before  # original unchanged

    entries = logs(api, started["execution_id"])
    assert [(e["step_name"], e["reused"]) for e in entries] == [
        ("Fetch count", True),
        ("Shape", True),
        ("Check", False),
        ("Finish", False),
    ]
    original_logs = {e["step_name"]: e for e in logs(api, original["id"])}
    for entry in entries[:2]:
        source = original_logs[entry["step_name"]]
        assert entry["reused_from"] == {"execution_id": original["id"], "log_id": source["id"]}
        assert entry["output_data"] == source["output_data"]
    assert all(e["reused_from"] is None for e in entries[2:])

    # Cost: "$mark running" (refused: not pending), "$resume" (Choice), the 2 steps it ran, "$record success".
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"{workflow_arn(resources, workflow)}:{started['execution_id']}".replace(":stateMachine:", ":execution:")
    assert state_transitions(history(sfn, arn)) == 2 + 3


def workflow_arn(resources, workflow):
    return f"arn:aws:states:{resources.region}:123456789012:stateMachine:wfe-local-{workflow['id']}"


def test_resume_without_new_input_fails_again_at_the_same_step(api, counter, failed):
    _, original = failed
    status, started, _ = retry(api, original["id"], {"mode": "resume"})
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "failed" and final["input_data"] == {"word": "abc"}
    assert counter.calls == 1
    # Resuming the resumed execution points at the attempt that really ran, not at the reused copy.
    status, again, _ = retry(api, started["execution_id"], {"mode": "resume", "input_data": {"word": 2}})
    assert status == 202, again
    assert wait_terminal(api, again["execution_id"])["output_data"] == {"n": 1, "checked": 2}
    first_fetch = logs(api, original["id"])[0]
    assert logs(api, again["execution_id"])[0]["reused_from"] == {
        "execution_id": original["id"],
        "log_id": first_fetch["id"],
    }
    assert counter.calls == 1


def test_restart_runs_every_step_again_on_the_current_version(api, counter, failed):
    workflow, original = failed
    status, started, _ = retry(api, original["id"], {"mode": "restart", "input_data": {"word": 3}})
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "completed" and final["retry_of"] == original["id"]
    assert final["output_data"] == {"n": 2, "checked": 3}
    assert counter.calls == 2  # the http step ran again
    assert not any(entry["reused"] for entry in logs(api, started["execution_id"]))


def test_restart_keeps_the_input_unless_given(api, counter, failed):
    _, original = failed
    status, started, _ = retry(api, original["id"], {"mode": "restart"})
    assert status == 202
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "failed" and final["input_data"] == {"word": "abc"}
    assert counter.calls == 2


def test_retry_is_listed_with_retry_of(api, failed):
    _, original = failed
    started = retry(api, original["id"], {"mode": "restart"})[1]
    wait_terminal(api, started["execution_id"])
    listed = {e["id"]: e for e in api.call("GET", "/api/workflows/executions")[1]}
    assert listed[started["execution_id"]]["retry_of"] == original["id"]
    assert listed[original["id"]]["retry_of"] is None
    assert listed[started["execution_id"]]["trigger"] == {"type": "retry", "id": original["id"]}
    assert listed[original["id"]]["trigger"] == {"type": "api", "id": None}
    status, retries, _ = api.call("GET", "/api/workflows/executions", query="trigger_type=retry")
    assert status == 200 and [e["id"] for e in retries] == [started["execution_id"]]
    status, body, _ = api.call("GET", "/api/workflows/executions", query="trigger_type=cron")
    assert status == 422, body


def test_only_failed_cancelled_or_timed_out_executions_can_be_retried(api):
    workflow = create(api, [{"name": "ok", "type": "transform", "config": {"expression": "input"}}])
    done = execute(api, workflow["id"], {"a": 1})
    assert done["status"] == "completed"
    for mode in ("restart", "resume"):
        status, body, _ = retry(api, done["id"], {"mode": mode})
        assert status == 409 and "only failed, cancelled or timed_out" in body["message"]


def test_resume_after_the_workflow_changed_is_refused_restart_runs_the_new_version(api, counter, failed):
    workflow, original = failed
    changed = steps(counter.url)
    changed[3]["config"]["expression"] = "input.word"
    status, body, _ = api.call("PUT", f"/api/workflows/{workflow['id']}", {"name": "retry me", "steps": changed})
    assert status == 200 and body["version"] == 2
    status, body, _ = retry(api, original["id"], {"mode": "resume"})
    assert status == 409
    assert "version 1" in body["message"] and "now version 2" in body["message"]
    status, started, _ = retry(api, original["id"], {"mode": "restart"})
    assert status == 202
    assert wait_terminal(api, started["execution_id"])["status"] == "completed"


def test_retry_of_a_deleted_workflow_is_a_conflict_that_says_so(api, failed):
    workflow, original = failed
    assert api.call("DELETE", f"/api/workflows/{workflow['id']}")[0] == 204
    for mode in ("restart", "resume"):
        status, body, _ = retry(api, original["id"], {"mode": mode})
        assert status == 409 and "no longer exists" in body["message"]


def test_retry_of_an_unknown_or_foreign_execution_is_404_and_bad_bodies_422(api, other_api, failed):
    _, original = failed
    assert retry(other_api, original["id"], {"mode": "restart"})[0] == 404
    assert retry(api, "6f1c1f0e-8a7b-4c1d-9e3f-2a1b3c4d5e6f", {"mode": "restart"})[0] == 404
    assert retry(api, original["id"], {"mode": "redo"})[0] == 422
    assert retry(api, original["id"], {})[0] == 422
    assert retry(api, original["id"], {"mode": "resume", "input_data": [1]})[0] == 422
    assert retry(api, original["id"], {"mode": "resume", "extra": 1})[0] == 422


def test_cancelled_execution_resumes_at_the_step_it_was_in(api):
    workflow = create(
        api,
        [
            {"name": "first", "type": "transform", "config": {"expression": "{a: input.a}"}},
            {"name": "nap", "type": "wait", "config": {"seconds": 30}},
            {"name": "last", "type": "transform", "config": {"expression": "steps.first.output"}},
        ],
    )
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"a": 5}})
    execution_id = started["execution_id"]
    wait_for_log(api, execution_id, "first")
    assert api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")[0] == 200
    # The resumed execution starts at the wait it was cancelled in: "first" is reused, not run again.
    status, resumed, _ = retry(api, execution_id, {"mode": "resume"})
    assert status == 202
    entries = logs(api, resumed["execution_id"])
    assert [(e["step_name"], e["reused"]) for e in entries] == [("first", True)]
    assert api.call("POST", f"/api/workflows/executions/{resumed['execution_id']}/cancel")[0] == 200
    assert wait_terminal(api, resumed["execution_id"])["status"] == "cancelled"


def wait_for_log(api, execution_id, step_name):
    return wait_for(lambda: any(e["step_name"] == step_name for e in logs(api, execution_id)))


def test_concurrent_retries_with_one_idempotency_key_start_one_execution(api, counter, failed):
    _, original = failed
    headers = {"idempotency-key": "retry-once"}
    body = {"mode": "restart", "input_data": {"word": 1}}

    def attempt(_):
        return retry(api, original["id"], body, headers=headers)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(attempt, range(4)))
    accepted = {answer[1]["execution_id"] for answer in answers if answer[0] == 202}
    assert len(accepted) == 1, answers
    assert all(answer[0] in (202, 409) for answer in answers), answers
    execution_id = accepted.pop()
    wait_terminal(api, execution_id)
    again = retry(api, original["id"], body, headers=headers)
    assert again[0] == 202 and again[1]["execution_id"] == execution_id
    assert counter.calls == 2  # one new execution ran the http step
    other_body = retry(api, original["id"], {"mode": "resume"}, headers=headers)
    assert other_body[0] == 422 and "different request body" in other_body[1]["message"]
    listed = api.call("GET", "/api/workflows/executions")[1]
    assert [e["id"] for e in listed if e["retry_of"] == original["id"]] == [execution_id]


def test_reused_steps_are_searchable_but_not_counted_as_attempts(api, counter, failed):
    """A resume writes a log item per reused step: /api/logs finds it like any log (search text, by_user index),
    marked reused; the metrics count no attempt for it (no step ran, the original attempt counted already)."""
    workflow, original = failed
    status, started, _ = retry(api, original["id"], {"mode": "resume", "input_data": {"word": -7}})
    assert status == 202, started
    assert wait_terminal(api, started["execution_id"])["status"] == "completed"
    assert moto_seams.drain_event_sources(30)

    query = f"workflow_id={workflow['id']}&q=fetch%20count"
    status, found, _ = api.call("GET", "/api/logs", query=query)
    assert status == 200, found
    by_execution = {entry["execution_id"]: entry for entry in found}
    assert set(by_execution) == {original["id"], started["execution_id"]}
    reused = by_execution[started["execution_id"]]
    assert reused["reused"] is True
    assert reused["reused_from"] == {"execution_id": original["id"], "log_id": by_execution[original["id"]]["id"]}

    status, body, _ = api.call("GET", "/api/metrics", query=f"workflow_id={workflow['id']}")
    assert status == 200, body
    assert body["executions"]["total"] == 2
    assert {s["step_name"]: (s["attempts"], s["failures"]) for s in body["steps"]} == {
        "Fetch count": (1, 0),  # run once by the original; the resume reused it
        "Shape": (1, 0),
        "Check": (2, 1),  # failed in the original, run again by the resume
        "Finish": (1, 0),
    }
