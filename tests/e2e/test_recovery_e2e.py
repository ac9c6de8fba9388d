"""Recovery and notifications over HTTP with real tokens: retry (restart, resume), signed webhooks with their
recorded attempts, the EventBridge event. Loopback receivers run in this process (the local stack allows
127.0.0.0/8 for http steps and webhooks through HTTP_ALLOWED_NETWORKS)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from standardwebhooks import Webhook

from tests.support.loopback import Receiver, json_server, webhook_server

pytestmark = pytest.mark.xdist_group("e2e")


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


@pytest.fixture
def counting_server():
    calls = itertools.count(1)
    lock = threading.Lock()
    seen = []

    def respond(path, headers):
        with lock:
            seen.append(path)
            return {"n": next(calls)}

    with json_server(respond) as url:
        yield url, seen


def workflow_steps(url):
    return [
        {"name": "Call upstream", "type": "http", "config": {"url": f"{url}/count"}},
        {"name": "Check", "type": "transform", "config": {"expression": "abs(input.word)"}},
        {"name": "Done", "type": "transform", "config": {"expression": '{n: steps."Call upstream".output.body.n}'}},
    ]


def create(client, steps, **extra):
    response = client.post("/api/workflows", json={"name": "recovery", "steps": steps, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def run(client, workflow_id, input_data):
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data})
    assert response.status_code == 202, response.text
    return client.wait_terminal(response.json()["execution_id"])


def test_resume_skips_the_http_step_and_restart_calls_it_again(alice, counting_server):
    url, seen = counting_server
    workflow = create(alice, workflow_steps(url))
    original = run(alice, workflow["id"], {"word": "not a number"})
    assert original["status"] == "failed" and original["retry_of"] is None and len(seen) == 1

    retry = f"/api/workflows/executions/{original['id']}/retry"
    resumed = alice.post(retry, json={"mode": "resume", "input_data": {"word": 4}})
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["retry_of"] == original["id"]
    final = alice.wait_terminal(resumed.json()["execution_id"])
    assert final["status"] == "completed" and final["output_data"] == {"n": 1} and final["retry_of"] == original["id"]
    assert len(seen) == 1  # not called again
    logs = alice.get(f"/api/workflows/executions/{final['id']}/logs").json()
    assert [(log["step_name"], log["reused"]) for log in logs] == [
        ("Call upstream", True),
        ("Check", False),
        ("Done", False),
    ]
    assert logs[0]["reused_from"]["execution_id"] == original["id"]

    restarted = alice.post(retry, json={"mode": "restart", "input_data": {"word": 4}})
    assert restarted.status_code == 202
    final = alice.wait_terminal(restarted.json()["execution_id"])
    assert final["status"] == "completed" and final["output_data"] == {"n": 2}
    assert len(seen) == 2  # called again
    assert alice.get(f"/api/workflows/executions/{original['id']}").json() == original  # never changed


def test_retry_conflicts_and_isolation(alice, bob, counting_server):
    url, _ = counting_server
    workflow = create(alice, [{"name": "ok", "type": "transform", "config": {"expression": "input"}}])
    done = run(alice, workflow["id"], {"a": 1})
    answer = alice.post(f"/api/workflows/executions/{done['id']}/retry", json={"mode": "restart"})
    assert answer.status_code == 409 and "only failed, cancelled or timed_out" in answer.json()["message"]
    failing = create(alice, workflow_steps(url))
    failed = run(alice, failing["id"], {"word": "x"})
    steps = workflow_steps(url)
    steps[1]["config"]["expression"] = "input.word"
    replaced = alice.request("PUT", f"/api/workflows/{failing['id']}", json={"name": "v2", "steps": steps})
    assert replaced.status_code == 200
    answer = alice.post(f"/api/workflows/executions/{failed['id']}/retry", json={"mode": "resume"})
    assert answer.status_code == 409 and "version 1" in answer.json()["message"]
    assert bob.post(f"/api/workflows/executions/{failed['id']}/retry", json={"mode": "restart"}).status_code == 404
    assert bob.get(f"/api/workflows/executions/{failed['id']}/notifications").status_code == 404


def test_concurrent_retries_with_one_idempotency_key_give_one_execution(alice, counting_server):
    url, _ = counting_server
    failed = run(alice, create(alice, workflow_steps(url))["id"], {"word": "x"})
    key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}

    def attempt(_):
        return alice.post(f"/api/workflows/executions/{failed['id']}/retry", json={"mode": "resume"}, headers=key)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(attempt, range(4)))
    assert {a.status_code for a in answers} <= {202, 409}
    assert len({a.json()["execution_id"] for a in answers if a.status_code == 202}) == 1
    listed = alice.get(f"/api/workflows/executions?workflow_id={failed['workflow_id']}").json()
    assert len([e for e in listed if e["retry_of"] == failed["id"]]) == 1


def test_a_signed_webhook_is_received_and_a_failing_one_retried(alice):
    good, bad = Receiver(), Receiver(statuses=(500,))
    steps = [{"name": "ok", "type": "transform", "config": {"expression": "input"}}]
    with webhook_server(good) as good_url, webhook_server(bad) as bad_url:
        delivered = create(alice, steps, notify={"webhook_url": f"{good_url}/hook", "on": ["completed"]})
        given_up = create(alice, steps, notify={"webhook_url": bad_url, "on": ["completed"]})
        assert "notify_secret" not in alice.get(f"/api/workflows/{delivered['id']}").json()
        first = run(alice, delivered["id"], {"a": 1})
        second = run(alice, given_up["id"], {"a": 2})

        def final(execution_id):
            body = alice.get(f"/api/workflows/executions/{execution_id}/notifications").json()
            return body if body and body[0]["outcome"] != "in_progress" else None

        (ok,) = wait_for(lambda: final(first["id"]))
        (failed,) = wait_for(lambda: final(second["id"]))

    ((headers, body),) = good.requests
    assert Webhook(delivered["notify_secret"]).verify(body, headers) == first  # Standard Webhooks
    assert headers["webhook-id"] == headers["x-webhook-id"] == ok["delivery_id"]
    secret = delivered["notify_secret"].encode()
    assert headers["x-signature-256"] == "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert ok["outcome"] == "delivered" and ok["attempts"][0]["status_code"] == 200
    assert failed["outcome"] == "failed" and len(failed["attempts"]) == len(bad.requests) == 4
    assert {attempt["status_code"] for attempt in failed["attempts"]} == {500}


def test_unsafe_webhook_urls_are_refused(alice):
    steps = [{"name": "ok", "type": "transform", "config": {"expression": "input"}}]
    for url in ("http://93.184.216.34/x", "https://10.0.0.8/x", "https://169.254.169.254/", "nope"):
        response = alice.post("/api/workflows", json={"name": "w", "steps": steps, "notify": {"webhook_url": url}})
        assert response.status_code == 422, (url, response.text)


def test_the_eventbridge_event_is_put_with_the_status_object_and_user(alice, stack):
    aws = {"region_name": stack["Region"], "endpoint_url": stack.get("AwsEndpointUrl")}
    sqs, events = boto3.client("sqs", **aws), boto3.client("events", **aws)
    name = f"wfe-finished-{uuid.uuid4().hex[:8]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue_arn,
                        }
                    ]
                }
            )
        },
    )
    workflow = create(alice, [{"name": "ok", "type": "transform", "config": {"expression": "input"}}])
    pattern = {
        "source": ["workflow-engine"],
        "detail-type": ["Workflow Execution Finished"],
        "detail": {"workflow_id": [workflow["id"]]},
    }
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    try:
        final = run(alice, workflow["id"], {"a": 1})
        messages = wait_for(lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"))
        event = json.loads(messages[0]["Body"])
        assert event["detail-type"] == "Workflow Execution Finished" and event["source"] == "workflow-engine"
        detail = dict(event["detail"])
        assert detail.pop("user_id")  # the caller's sub
        assert detail == final
    finally:
        events.remove_targets(Rule=name, Ids=["queue"])
        events.delete_rule(Name=name)
        sqs.delete_queue(QueueUrl=queue_url)
