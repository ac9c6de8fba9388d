"""Notifications of terminal outcomes: signed webhooks (recorded attempts, retries, DLQ) and EventBridge events.

The executions table's stream reaches the Notifications function in-process (moto event source mapping, seam 5).
"""

from __future__ import annotations

import hashlib
import hmac
import json

import boto3
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from infra.local import moto_seams
from tests.integration.conftest import wait_for, wait_terminal
from tests.support.loopback import Receiver, webhook_server
from workflow_engine.platform.consumer_settings import NotificationSettings

OK_STEP = [{"name": "ok", "type": "transform", "config": {"expression": "{doubled: input.n}"}}]
BAD_STEP = [{"name": "bad", "type": "transform", "config": {"expression": "abs(input.word)"}}]


def create(api, steps, notify=None):
    body = {"name": "notified", "steps": steps, **({"notify": notify} if notify else {})}
    status, workflow, _ = api.call("POST", "/api/workflows", body)
    assert status == 201, workflow
    return workflow


def run(api, workflow_id, input_data):
    status, started, _ = api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data})
    assert status == 202, started
    return wait_terminal(api, started["execution_id"])


def deliveries(api, execution_id, final=True):
    def read():
        status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/notifications")
        assert status == 200, body
        return body if body and (not final or all(d["outcome"] != "in_progress" for d in body)) else None

    return wait_for(read, timeout=30)


def test_a_webhook_is_delivered_signed_and_its_attempt_recorded(api):
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(api, OK_STEP, {"webhook_url": f"{url}/hook", "on": ["completed"]})
        secret = workflow["notify_secret"]
        assert secret and workflow["notify"] == {"webhook_url": f"{url}/hook", "on": ["completed"]}
        final = run(api, workflow["id"], {"n": 2})
        (delivery,) = deliveries(api, final["id"])

    assert delivery["outcome"] == "delivered" and delivery["event_status"] == "completed"
    assert [(a["attempt"], a["status_code"], a["error"]) for a in delivery["attempts"]] == [(1, 200, None)]
    ((headers, body),) = receiver.requests
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(body, headers) == final  # Standard Webhooks: the status object, as GET shows it
    assert headers["webhook-id"] == headers["x-webhook-id"] == delivery["delivery_id"]
    assert headers["webhook-timestamp"] == headers["x-webhook-timestamp"]
    # Body-only signature for older receivers: keyed by the secret string's bytes.
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature-256"], expected)


@pytest.mark.parametrize(
    ("header", "forged"),
    [
        ("webhook-timestamp", lambda value: str(int(value) + 120)),  # a replay made to look fresh
        ("webhook-id", lambda value: f"{value[:-1]}0" if value[-1] != "0" else f"{value[:-1]}1"),  # beats de-dup
    ],
)
def test_a_delivery_with_a_changed_id_or_timestamp_fails_verification(api, header, forged):
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(api, OK_STEP, {"webhook_url": url, "on": ["completed"]})
        final = run(api, workflow["id"], {"n": 3})
        deliveries(api, final["id"])
    ((headers, body),) = receiver.requests
    assert Webhook(workflow["notify_secret"]).verify(body, headers) == final
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(workflow["notify_secret"]).verify(body, {**headers, header: forged(headers[header])})


def test_a_secret_of_the_older_form_keeps_verifying_for_existing_receivers(api, resources):
    older = "Xq3v-9ZbT_0kq1wq8n2Q7l4YhB3s0dW1c5eR6tY7uI8"  # token_urlsafe(32), the form made before whsec_
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(api, OK_STEP, {"webhook_url": url, "on": ["completed"]})
        boto3.client("dynamodb", region_name=resources.region).update_item(
            TableName=resources.table_names["Workflows"],
            Key={"user_id": {"S": api.user_id}, "workflow_id": {"S": workflow["id"]}},
            UpdateExpression="SET notify_secret = :older",
            ExpressionAttributeValues={":older": {"S": older}},
        )
        final = run(api, workflow["id"], {"n": 4})
        deliveries(api, final["id"])
    ((headers, body),) = receiver.requests
    assert headers["x-signature-256"] == "sha256=" + hmac.new(older.encode(), body, hashlib.sha256).hexdigest()
    assert Webhook(older.encode()).verify(body, headers) == final  # Standard Webhooks: the secret's bytes as key


def test_only_the_statuses_in_on_are_notified(api):
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(api, BAD_STEP, {"webhook_url": url, "on": ["completed"]})
        final = run(api, workflow["id"], {"word": "x"})
        assert final["status"] == "failed"
        assert moto_seams.drain_event_sources(30)
    assert receiver.requests == []
    assert api.call("GET", f"/api/workflows/executions/{final['id']}/notifications")[1] == []


def test_a_failing_receiver_is_retried_then_given_up_to_the_dead_letter_queue(api, resources):
    attempts = NotificationSettings.model_fields["webhook_max_attempts"].default
    receiver = Receiver(statuses=(500,))
    with webhook_server(receiver) as url:
        workflow = create(api, BAD_STEP, {"webhook_url": url, "on": ["failed"]})
        final = run(api, workflow["id"], {"word": "x"})
        assert final["status"] == "failed"  # the execution is unaffected by its receiver
        (delivery,) = deliveries(api, final["id"])
    assert len(receiver.requests) == attempts
    assert delivery["outcome"] == "failed"
    assert [(a["attempt"], a["status_code"], a["error"]) for a in delivery["attempts"]] == [
        (n, 500, "HTTP 500") for n in range(1, attempts + 1)
    ]
    # One delivery id throughout, each attempt signed at its own time and verifying.
    assert {headers["webhook-id"] for headers, _ in receiver.requests} == {delivery["delivery_id"]}
    assert {headers["x-webhook-id"] for headers, _ in receiver.requests} == {delivery["delivery_id"]}
    assert all(Webhook(workflow["notify_secret"]).verify(body, headers) == final for headers, body in receiver.requests)
    sqs = boto3.client("sqs", region_name=resources.region)
    messages = wait_for(
        lambda: [
            json.loads(m["Body"])
            for m in sqs.receive_message(
                QueueUrl=resources.webhook_dead_letter_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
        ]
    )
    dead = [m for m in messages if m["execution_id"] == final["id"]]
    assert dead and dead[0]["outcome"] == "failed" and dead[0]["body"] == final
    assert "secret" not in json.dumps(dead[0]).lower()


def test_a_receiver_that_recovers_gets_the_delivery_on_a_later_attempt(api):
    receiver = Receiver(statuses=(503, 200))
    with webhook_server(receiver) as url:
        workflow = create(api, OK_STEP, {"webhook_url": url})
        final = run(api, workflow["id"], {"n": 1})
        (delivery,) = deliveries(api, final["id"])
    assert delivery["outcome"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 200]


def test_an_unreachable_receiver_never_fails_the_execution(api):
    workflow = create(api, OK_STEP, {"webhook_url": "http://127.0.0.1:9/closed", "on": ["completed"]})
    final = run(api, workflow["id"], {"n": 1})
    assert final["status"] == "completed"
    (delivery,) = deliveries(api, final["id"])
    assert delivery["outcome"] == "failed" and "could not connect" in delivery["attempts"][0]["error"]


def test_every_terminal_outcome_puts_an_eventbridge_event(api, resources):
    sqs = boto3.client("sqs", region_name=resources.region)
    events = boto3.client("events", region_name=resources.region)
    queue_url = sqs.create_queue(QueueName=f"finished-{api.user_id[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"finished-{api.user_id[:8]}"
    events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {
                "source": ["workflow-engine"],
                "detail-type": ["Workflow Execution Finished"],
                "detail": {"user_id": [api.user_id]},
            }
        ),
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    workflow = create(api, BAD_STEP)
    final = run(api, workflow["id"], {"word": "x"})

    def received():
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    (event,) = wait_for(received)
    assert event["source"] == "workflow-engine" and event["detail-type"] == "Workflow Execution Finished"
    assert event["detail"] == {**final, "user_id": api.user_id}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hook", "https"),  # public, but plain http
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest", "private"),
        ("not a url", None),
        ("ftp://example.com/x", None),
    ],
)
def test_unsafe_or_malformed_webhook_urls_are_refused_when_saved(api, url, reason):
    status, body, _ = api.call(
        "POST", "/api/workflows", {"name": "w", "steps": OK_STEP, "notify": {"webhook_url": url}}
    )
    assert status == 422, body
    if reason:
        assert reason in body["message"]


def test_the_secret_is_shown_once_and_rotated_by_setting_notify_again(api):
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(api, OK_STEP, {"webhook_url": url})
        first = workflow["notify_secret"]
        read = api.call("GET", f"/api/workflows/{workflow['id']}")[1]
        assert "notify_secret" not in read and read["notify"]["webhook_url"] == url
        listed = api.call("GET", "/api/workflows")[1]
        assert all("notify_secret" not in item for item in listed)
        body = {"name": "notified", "steps": OK_STEP, "notify": {"webhook_url": url, "on": ["failed"]}}
        replaced = api.call("PUT", f"/api/workflows/{workflow['id']}", body)[1]
        assert replaced["notify_secret"] and replaced["notify_secret"] != first
        cleared = api.call("PUT", f"/api/workflows/{workflow['id']}", {"name": "notified", "steps": OK_STEP})[1]
        assert "notify_secret" not in cleared and cleared["notify"] is None


def test_notifications_of_an_unknown_or_foreign_execution_are_404(api, other_api):
    workflow = create(api, OK_STEP)
    final = run(api, workflow["id"], {"n": 1})
    assert other_api.call("GET", f"/api/workflows/executions/{final['id']}/notifications")[0] == 404
    assert api.call("GET", "/api/workflows/executions/6f1c1f0e-8a7b-4c1d-9e3f-2a1b3c4d5e6f/notifications")[0] == 404
