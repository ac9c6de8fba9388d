"""What happens when an execution ends (the Notifications function, fed by the executions table's stream).

For each change whose old status was not terminal and whose new status is (each terminal outcome once):
1. an EventBridge event on the default bus: source "workflow-engine", detail-type "Workflow Execution
   Finished", detail = the status object of GET /api/workflows/executions/{id} plus `user_id`;
2. if the workflow has `notify` and the outcome is one of `notify.on`, a signed webhook delivery
   (workflow_engine.notifications.webhooks) with up to `webhook_max_attempts` attempts and full-jitter
   exponential back-off between them, inside this invocation and within its remaining time. Every attempt is recorded
   (GET .../notifications); a delivery that ends undelivered goes to the webhook dead-letter queue (without the
   secret). It runs after the execution has ended, off its path: a slow or failing receiver never delays or
   fails an execution.
A failing PutEvents raises, so the stream record is retried (a delivered webhook is not sent again: its
delivery id is fixed by the execution, outcome and url, and a final delivery is skipped).

When an approval step starts waiting (its wait appears on the running item: data.approvals.started_waiting) and
the workflow's `notify.on` lists "approval", a signed webhook is delivered the same way, its body the status
object (whose `waiting_for` names the step) plus `"event": "approval"` and `"step_name"`; its delivery id is fixed
by the execution, the step, the attempt and the url. No EventBridge event is put for it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from workflow_engine.data.approvals import started_waiting
from workflow_engine.data.codec import dump_json
from workflow_engine.data.executions import record_from_item
from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus, ExecutionStatusResponse
from workflow_engine.models.notification import DeliveryAttempt, DeliveryRecord
from workflow_engine.models.workflow import APPROVAL_EVENT
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import bind_log_keys, logger

EVENT_SOURCE = "workflow-engine"
EVENT_DETAIL_TYPE = "Workflow Execution Finished"
DELIVERY_NAMESPACE = uuid.UUID("6b1f3c52-3f0e-4a55-9a8e-6f7d2b1c9e40")


def delivery_id(execution_id: str, status: str, url: str) -> str:
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{execution_id}|{status}|{url}"))


def finished(old_image: Mapping[str, Any] | None, new_image: Mapping[str, Any] | None) -> ExecutionRecord | None:
    """The execution, if this change is its terminal transition (old status not terminal, new one terminal)."""
    if not new_image:
        return None
    record = record_from_item(dict(new_image))
    if not record.status.is_terminal:
        return None
    old_status = (old_image or {}).get("status", {}).get("S")
    if old_status and ExecutionStatus(old_status).is_terminal:
        return None
    return record


class NotificationDispatcher:
    def __init__(
        self,
        workflows: WorkflowRepository,
        deliveries: DeliveryRepository,
        events: Any,
        sqs: Any,
        settings: Any,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._workflows = workflows
        self._deliveries = deliveries
        self._events = events
        self._sqs = sqs
        self._settings = settings
        self._sleep = sleep

    def on_change(
        self,
        old_image: Mapping[str, Any] | None,
        new_image: Mapping[str, Any] | None,
        remaining_seconds: Callable[[], float],
    ) -> None:
        record = finished(old_image, new_image)
        if record is None:
            self._on_waiting(old_image, new_image, remaining_seconds)
            return
        bind_log_keys(execution_id=record.execution_id, workflow_id=record.workflow_id, user_id=record.user_id)
        status_object = ExecutionStatusResponse.of(record).model_dump(mode="json")
        self.put_event(record, status_object)
        self.deliver_webhook(record, status_object, remaining_seconds)

    def _on_waiting(
        self,
        old_image: Mapping[str, Any] | None,
        new_image: Mapping[str, Any] | None,
        remaining_seconds: Callable[[], float],
    ) -> None:
        started = started_waiting(dict(old_image) if old_image else None, dict(new_image) if new_image else None)
        if not started or not new_image:
            return
        record = record_from_item(dict(new_image))
        bind_log_keys(execution_id=record.execution_id, workflow_id=record.workflow_id, user_id=record.user_id)
        status_object = ExecutionStatusResponse.of(record).model_dump(mode="json")
        for step_name, wait in started:
            body = {**status_object, "event": APPROVAL_EVENT, "step_name": step_name}
            self.deliver_webhook(
                record,
                body,
                remaining_seconds,
                event=APPROVAL_EVENT,
                key=f"{APPROVAL_EVENT}|{step_name}|{wait.attempt}",
            )

    def put_event(self, record: ExecutionRecord, status_object: dict[str, Any]) -> None:
        response = self._events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": EVENT_DETAIL_TYPE,
                    "Detail": dump_json({**status_object, "user_id": record.user_id}),
                    "EventBusName": self._settings.event_bus_name,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            entry = (response.get("Entries") or [{}])[0]
            raise RuntimeError(f"PutEvents refused the event: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}")

    def deliver_webhook(
        self,
        record: ExecutionRecord,
        status_object: dict[str, Any],
        remaining_seconds: Callable[[], float],
        event: str | None = None,
        key: str | None = None,
    ) -> DeliveryRecord | None:
        """Deliver `status_object` for `event` (default: the execution's status), once per `key` (default: the
        event) and url."""
        event = event or record.status.value
        workflow = self._workflows.get(record.user_id, record.workflow_id)
        notify = workflow.notify if workflow else None
        if workflow is None or notify is None or not workflow.notify_secret or event not in notify.on:
            return None
        # Imported here: the http client (urllib3) is needed by workflows with `notify` only (cold start).
        from workflow_engine.notifications.webhooks import backoff_seconds, post, signed_headers

        identifier = delivery_id(record.execution_id, key or event, notify.webhook_url)
        existing = self._deliveries.get(record.user_id, record.execution_id, identifier)
        if existing is not None and existing.outcome != "in_progress":
            return existing  # a redelivered stream record: this outcome was already notified (or given up)
        now = utc_now()
        delivery = DeliveryRecord(
            delivery_id=identifier,
            execution_id=record.execution_id,
            user_id=record.user_id,
            workflow_id=record.workflow_id,
            webhook_url=notify.webhook_url,
            event_status=event,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
        body = dump_json(status_object).encode()
        settings = self._settings
        # The longest an attempt can take: connecting plus reading (the exchange's hard deadline).
        attempt_budget = settings.http_connect_timeout_seconds + settings.http_read_timeout_seconds
        for number in range(1, settings.webhook_max_attempts + 1):
            started = utc_now()
            status, error, retryable = post(
                notify.webhook_url, body, signed_headers(workflow.notify_secret, body, identifier), settings
            )
            delivery.attempts.append(DeliveryAttempt(attempt=number, time=started, status_code=status, error=error))
            delay = backoff_seconds(number, settings.webhook_backoff_base_seconds, settings.webhook_backoff_max_seconds)
            if error is None:
                delivery.outcome = "delivered"
            elif not retryable or number == settings.webhook_max_attempts:
                delivery.outcome = "failed"
            elif remaining_seconds() < delay + attempt_budget + 1:
                delivery.outcome = "failed"
                delivery.attempts[-1].error = f"{error}; no time left for another attempt in this invocation"
            delivery.updated_at = utc_now()
            self._deliveries.put(delivery)
            if delivery.outcome != "in_progress":
                break
            self._sleep(delay)
        logger.info(
            "webhook delivery",
            extra={
                "execution_id": record.execution_id,
                "delivery_id": identifier,
                "outcome": delivery.outcome,
                "attempts": len(delivery.attempts),
            },
        )
        if delivery.outcome == "failed":
            self._dead_letter(delivery, status_object)
        return delivery

    def _dead_letter(self, delivery: DeliveryRecord, status_object: dict[str, Any]) -> None:
        message = {**delivery.model_dump(mode="json"), "body": status_object}
        self._sqs.send_message(QueueUrl=self._settings.webhook_dead_letter_queue_url, MessageBody=json.dumps(message))
