"""Receiving a signed inbound webhook call: POST /api/hooks/{trigger_id}, no token (README "Inbound webhooks").

In order, each refusal before any work it would waste:
1. the content type is JSON (415) and the body within the input_data limit (413): nothing read yet;
2. `X-Signature-256` and `X-Timestamp` are present and the timestamp is fresh (401), `X-Delivery-Id` sane (422);
3. the trigger exists (404), its secret is decrypted (KMS) and the signature matches, in constant time (401);
4. the body is a JSON object (422) and, as the run's input, within the limit (413);
5. the trigger's rate window has room (429, with Retry-After);
6. the delivery is claimed (a conditional put naming a fresh execution id): a delivery id seen before answers
   the execution it started (202, `replayed`) and starts nothing; a call without `X-Delivery-Id` is keyed by its
   signature, so the same signed request sent twice starts one run;
7. the run starts with `trigger: {"type": "webhook", "id": <trigger id>}` (a failed start releases the claim).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow_engine.asl.state_document import initial_document
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.trigger_secrets import TriggerSecretBox
from workflow_engine.data.triggers import TriggerRepository
from workflow_engine.data.webhook_deliveries import DeliveryLedger, RateWindows
from workflow_engine.executions.launch import MAX_INPUT_BYTES, checked_document
from workflow_engine.executions.start import StartCommand, StartExecution
from workflow_engine.models.errors import (
    InvalidRequestError,
    PayloadTooLargeError,
    TooManyRequestsError,
    TriggerNotFound,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from workflow_engine.models.execution import WebhookAccepted
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.run_trigger import RunTrigger, TriggerType
from workflow_engine.models.triggers import (
    DELIVERY_HEADER,
    MAX_DELIVERY_ID_LENGTH,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from workflow_engine.triggers.signature import fresh_timestamp, signature_matches

JSON_MEDIA_TYPES = frozenset({"application/json"})


@dataclass(frozen=True)
class InboundCall:
    """One inbound request, as the route received it (headers by lower-case name, the raw body)."""

    trigger_id: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class WebhookLimits:
    rate_per_window: int = 60  # starts per trigger per window
    window_seconds: int = 60
    delivery_ttl_seconds: int = 86_400  # how long a delivery id is remembered (DynamoDB TTL: deleted later)


class ReceiveWebhook:
    def __init__(
        self,
        triggers: TriggerRepository,
        secrets: TriggerSecretBox,
        deliveries: DeliveryLedger,
        windows: RateWindows,
        executions: ExecutionRepository,
        start: StartExecution,
        parse_json: Callable[[str], Any],
        limits: WebhookLimits = WebhookLimits(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._triggers = triggers
        self._secrets = secrets
        self._deliveries = deliveries
        self._windows = windows
        self._executions = executions
        self._start = start
        self._parse_json = parse_json
        self.limits = limits
        self._clock = clock

    def __call__(self, call: InboundCall) -> WebhookAccepted:
        now = self._clock()
        _check_envelope(call)
        presented = call.header(SIGNATURE_HEADER)
        if not presented:
            raise UnauthorizedError(f"{SIGNATURE_HEADER} is missing")
        timestamp = call.header(TIMESTAMP_HEADER) or ""
        fresh_timestamp(timestamp, now)
        delivery_id = _delivery_id(call.header(DELIVERY_HEADER), presented)
        trigger = self._triggers.get(call.trigger_id) if _is_uuid(call.trigger_id) else None
        if trigger is None:
            raise TriggerNotFound()
        secret = self._secrets.open(trigger.trigger_id, trigger.secret_ciphertext)
        if not signature_matches(secret, timestamp.strip(), call.body, presented):
            raise UnauthorizedError(f"{SIGNATURE_HEADER} does not match the body and {TIMESTAMP_HEADER}")
        input_data = self._input(call.body)
        self._take_rate(trigger.trigger_id, now)
        execution_id = str(uuid.uuid4())
        expires_at = int(now) + self.limits.delivery_ttl_seconds
        earlier = self._deliveries.claim(trigger.trigger_id, delivery_id, execution_id, expires_at)
        if earlier is not None:
            return self._replayed(earlier)
        try:
            started = self._start(
                trigger.user_id,
                StartCommand(workflow_id=trigger.workflow_id, input_data=input_data),
                trigger=RunTrigger(type=TriggerType.WEBHOOK, id=trigger.trigger_id),
                execution_id=execution_id,
            )
        except Exception:
            self._deliveries.release(trigger.trigger_id, delivery_id, execution_id)
            raise
        return WebhookAccepted(**started.model_dump())

    def _input(self, body: bytes) -> dict[str, Any]:
        try:
            document = self._parse_json(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise InvalidRequestError(f"The body is not JSON: {error}") from None
        if not isinstance(document, dict):
            raise InvalidRequestError("The body must be a JSON object (it becomes the run's input_data)")
        checked_document(initial_document(document), "input_data")
        return document

    def _take_rate(self, trigger_id: str, now: float) -> None:
        window = self.limits.window_seconds
        start = int(now) // window * window
        if not self._windows.take(trigger_id, start, self.limits.rate_per_window, start + 2 * window):
            raise TooManyRequestsError(
                f"This trigger starts at most {self.limits.rate_per_window} runs every {window} seconds",
                retry_after_seconds=max(1, start + window - int(now)),
            )

    def _replayed(self, execution_id: str) -> WebhookAccepted:
        record = self._executions.get(execution_id)
        if record is None:  # the first delivery is still starting it
            return WebhookAccepted(execution_id=uuid.UUID(execution_id), status=ExecutionStatus.PENDING, replayed=True)
        return WebhookAccepted(
            execution_id=uuid.UUID(execution_id),
            status=record.status,
            output_data=record.output_data,
            error_message=record.error_message,
            replayed=True,
        )


def _check_envelope(call: InboundCall) -> None:
    content_type = (call.header("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaTypeError("The body must be JSON (Content-Type: application/json)")
    if len(call.body) > MAX_INPUT_BYTES:
        raise PayloadTooLargeError(f"The body is {len(call.body)} bytes; the limit is {MAX_INPUT_BYTES} bytes")


def _delivery_id(value: str | None, signature: str) -> str:
    """The key a replay is recognised by: `X-Delivery-Id`, else the signature (the same signed request)."""
    if value is None:
        return f"signature:{signature.strip()}"
    value = value.strip()
    if not 1 <= len(value) <= MAX_DELIVERY_ID_LENGTH or not value.isprintable() or not value.isascii():
        raise InvalidRequestError(f"{DELIVERY_HEADER} must be 1..{MAX_DELIVERY_ID_LENGTH} printable ASCII characters")
    return value


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
