"""Real compiled state machines executing in moto, step Lambdas in-process, statuses and logs in DynamoDB."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.integration.conftest import wait_for, wait_terminal
from tests.support.loopback import json_server


@pytest.fixture(scope="module")
def slow_server():
    """A loopback HTTP server: /sleep/<seconds> answers after that long, anything else at once."""

    def respond(path, headers):
        if path.startswith("/sleep/"):
            time.sleep(float(path.rsplit("/", 1)[1]))
        return {"path": path}

    with json_server(respond) as url:
        yield url


def create(api, steps, name="wf"):
    status, body, _ = api.call("POST", "/api/workflows", {"name": name, "steps": steps})
    assert status == 201, body
    return body


def run(api, workflow, input_data=None, timeout=30.0):
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": input_data})
    assert status == 202, started
    return started["execution_id"], wait_terminal(api, started["execution_id"], timeout)


def logs(api, execution_id, query=""):
    status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs", query=query)
    assert status == 200, body
    return body


def test_failing_step_fails_the_execution_and_its_log_carries_the_error(api):
    workflow = create(
        api,
        [
            {"name": "ok", "type": "transform", "config": {"expression": "input"}},
            {"name": "Bad math", "type": "transform", "config": {"expression": "abs(input.word)"}},
            {"name": "never", "type": "transform", "config": {"expression": "input"}},
        ],
    )
    execution_id, final = run(api, workflow, {"word": "abc"})
    assert final["status"] == "failed"
    assert "Bad math" in final["error_message"]
    entries = logs(api, execution_id)
    assert [e["step_name"] for e in entries] == ["ok", "Bad math"]
    assert entries[0]["error_message"] is None
    assert "Bad math" in entries[1]["error_message"]
    assert logs(api, execution_id, "has_error=true")[0]["step_name"] == "Bad math"


def test_retries_write_one_log_per_attempt(api):
    workflow = create(
        api,
        [
            {
                "name": "flaky",
                "type": "transform",
                "config": {"expression": "abs(input.word)"},
                "retry": {"max_attempts": 3, "interval_seconds": 1, "backoff_rate": 1.0},
            },
        ],
    )
    execution_id, final = run(api, workflow, {"word": "x"}, timeout=60)
    assert final["status"] == "failed"
    entries = logs(api, execution_id)
    assert [e["attempt"] for e in entries] == [1, 2, 3]
    assert all(e["error_message"] for e in entries)


def test_continue_on_error_goes_on_and_exposes_the_error_to_later_steps(api):
    workflow = create(
        api,
        [
            {
                "name": "may fail",
                "type": "transform",
                "config": {"expression": "abs(input.word)"},
                "continue_on_error": True,
            },
            {"name": "after", "type": "transform", "config": {"expression": '{previous: steps."may fail"}'}},
        ],
    )
    execution_id, final = run(api, workflow, {"word": "x"})
    assert final["status"] == "completed", final
    assert final["output_data"]["previous"]["output"] is None
    assert "may fail" in final["output_data"]["previous"]["error"]
    assert [e["step_name"] for e in logs(api, execution_id)] == ["may fail", "after"]


def test_cancel_during_a_wait_step_aborts_the_machine(api, resources):
    workflow = create(
        api,
        [
            {"name": "first", "type": "transform", "config": {"expression": "input"}},
            {"name": "long wait", "type": "wait", "config": {"seconds": 120}},
            {"name": "never", "type": "transform", "config": {"expression": "input"}},
        ],
    )
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {}})
    execution_id = started["execution_id"]
    wait_for(lambda: logs(api, execution_id))  # the first step ran: the machine is in the wait
    status, cancelled, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")
    assert status == 200, cancelled
    assert cancelled["status"] == "cancelled"
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:execution:wfe-local-{workflow['id']}:{execution_id}"
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "ABORTED")
    status, again, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")
    assert status == 409
    assert [e["step_name"] for e in logs(api, execution_id)] == ["first"]


def test_step_timeout_ends_the_execution_as_timed_out(api, slow_server):
    workflow = create(
        api,
        [
            {"name": "slow call", "type": "http", "config": {"url": f"{slow_server}/sleep/4"}, "timeout_seconds": 1},
        ],
    )
    _, final = run(api, workflow, {})
    assert final["status"] == "timed_out", final
    assert "timeout" in final["error_message"]


def test_http_step_reaches_an_allowed_loopback_server(api, slow_server):
    workflow = create(
        api, [{"name": "call", "type": "http", "config": {"url": f"{slow_server}/hello/{{{{input.who}}}}"}}]
    )
    _, final = run(api, workflow, {"who": "ada"})
    assert final["status"] == "completed", final
    assert final["output_data"]["body"] == {"path": "/hello/ada"}


def test_twenty_concurrent_executions_all_finish_with_one_log_per_attempt(api):
    workflow = create(
        api, [{"name": f"step {i}", "type": "transform", "config": {"expression": "input"}} for i in range(3)]
    )

    def one(n):
        return run(api, workflow, {"n": n}, timeout=90)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert [final["status"] for _, final in results] == ["completed"] * 20
    for n, (execution_id, final) in enumerate(results):
        assert final["output_data"] == {"n": n}
        assert [e["step_name"] for e in logs(api, execution_id)] == ["step 0", "step 1", "step 2"]


def test_state_machine_has_one_state_per_step_named_by_it(api, resources):
    steps = [
        {"name": "Load order", "type": "transform", "config": {"expression": "input"}},
        {"name": "Pause", "type": "wait", "config": {"seconds": 0}},
        {"name": "Ask the model", "type": "ai", "config": {"prompt": "Summarize {{input.text}}"}},
    ]
    workflow = create(api, steps)
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:stateMachine:wfe-local-{workflow['id']}"
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    user_states = [name for name in definition["States"] if not name.startswith("$")]
    assert user_states == ["Load order", "Pause", "Ask the model"]
    _, final = run(api, workflow, {"text": "hello"})
    assert final["status"] == "completed"
    assert final["output_data"]["provider"] == "bedrock"
    assert final["output_data"]["text"] == "[local-bedrock model=amazon.nova-micro-v1:0] Summarize hello"


def test_cancel_right_after_execute_stops_the_execution(api):
    workflow = create(
        api,
        [
            {"name": "first", "type": "transform", "config": {"expression": "input"}},
            {"name": "long wait", "type": "wait", "config": {"seconds": 120}},
        ],
    )
    for _ in range(3):
        started = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {}})[1]
        status, body, _ = api.call("POST", f"/api/workflows/executions/{started['execution_id']}/cancel")
        assert (status, body["status"]) == (200, "cancelled"), body
