"""Signed webhook deliveries: url vetting (same SSRF guard as `http` steps), signing, one attempt, back-off.

- The url must be https, unless every address its host resolves to lies in the allowed networks (the
  `http` steps' HTTP_ALLOWED_NETWORKS: empty on AWS, loopback on the local stack); it must not resolve to a
  private, loopback, link-local or reserved address outside those networks. Checked when the workflow is
  saved (422) and again, DNS pinned, at each delivery.
- Body: the execution's status object as JSON. Headers follow Standard Webhooks (standardwebhooks.com), so its
  libraries verify a delivery as it is: `webhook-id` (the delivery id, the same on every attempt and
  redelivery: de-duplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and
  `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">`, which binds
  the id and the timestamp to the body. The HMAC key is the decoded bytes of a `whsec_<base64>` secret (every
  secret made since); a secret of the older form (not `whsec_`) is used as its UTF-8 bytes.
- For receivers written before: `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body only>`, keyed by
  the secret string's UTF-8 bytes (whatever its form), and `X-Webhook-Id` / `X-Webhook-Timestamp` with the
  same values as above. That signature covers the body only: those two headers can be changed without
  breaking it, so only `webhook-signature` proves a delivery fresh.
- 2xx is delivered; 408, 425, 429, 5xx, time-outs and connection failures are retried; any other answer,
  and an address the guard refuses, end the delivery at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workflow_engine.models.step_errors import StepFailed, StepRetryable
from workflow_engine.net.pinned_transport import Request, is_retryable_status, send
from workflow_engine.net.ssrf_guard import is_forbidden_address, parse_target, resolve_and_vet

USER_AGENT = "workflow-engine-webhooks/1.0"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
SECRET_BYTES = 32
# Standard Webhooks.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# Older receivers: a signature of the body only, and unsigned copies of the id and timestamp.
BODY_SIGNATURE_HEADER = "X-Signature-256"
LEGACY_ID_HEADER = "X-Webhook-Id"
LEGACY_TIMESTAMP_HEADER = "X-Webhook-Timestamp"


class UnsafeWebhookUrl(ValueError):
    """The url may not be used as a webhook (the message says why)."""


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the standard base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of `webhook-signature`: a `whsec_` secret's decoded bytes, an older secret's UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            pass  # not base64 after all: signed with its bytes, like an older secret
    return secret.encode()


def body_signature(secret: str, body: bytes) -> str:
    """`X-Signature-256`: the hex HMAC-SHA256 of the body alone, keyed by the secret string's UTF-8 bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: v1 and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" (Standard Webhooks)."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest()).decode()


def vet_url(url: str, allowed: tuple[Any, ...], denied: tuple[Any, ...] = ()) -> None:
    """Raise UnsafeWebhookUrl unless `url` is a webhook target the engine may call (see the module rules)."""
    try:
        target = parse_target(url)
        if target.scheme != "https" and not allowed:
            raise UnsafeWebhookUrl("webhook_url must use https://")
        address = resolve_and_vet(target.host, target.port, allowed, denied)
    except StepFailed as error:
        raise UnsafeWebhookUrl(f"webhook_url is not allowed: {error}") from None
    if target.scheme != "https" and not _inside(address, allowed):
        raise UnsafeWebhookUrl("webhook_url must use https://")
    if urlsplit(url).fragment:
        raise UnsafeWebhookUrl("webhook_url must not have a #fragment")


def _inside(address: str, allowed: tuple[Any, ...]) -> bool:
    # Allowed internal addresses only: a public address is never "inside" (https stays required for it).
    return bool(allowed) and is_forbidden_address(address) and not is_forbidden_address(address, allowed)


@dataclass(frozen=True)
class Attempt:
    attempt: int
    time: str
    status_code: int | None
    error: str | None
    retryable: bool

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str], settings: Any) -> tuple[int | None, str | None, bool]:
    """One signed POST through the SSRF guard: (HTTP status or None, error or None, whether to retry)."""
    try:
        target = parse_target(url)
        address = resolve_and_vet(
            target.host, target.port, tuple(settings.http_allowed_networks), tuple(settings.http_denied_endpoints)
        )
        if target.scheme != "https" and not _inside(address, tuple(settings.http_allowed_networks)):
            return None, "webhook_url must use https://", False
        request = Request(
            method="POST",
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Host": target.host_header,
            },
            body=body,
        )
        response = send(target, address, request, settings)
    except StepRetryable as error:
        return None, str(error), True
    except StepFailed as error:  # the guard refused the address, TLS failed, the answer was too large
        return None, str(error), False
    status = response.status
    if 200 <= status < 300:
        return status, None, False
    return status, f"HTTP {status}", is_retryable_status(status)


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempt - 1))] before attempt `attempt + 1`."""
    return (rng or random).uniform(0, min(cap, base * 2 ** (attempt - 1)))


def signed_headers(secret: str, body: bytes, delivery_id: str, now: float | None = None) -> dict[str, str]:
    """The headers of one attempt (signed at `now`, this attempt's time): Standard Webhooks and the older ones."""
    timestamp = int(now if now is not None else time.time())
    return {
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: standard_signature(secret, delivery_id, timestamp, body),
        BODY_SIGNATURE_HEADER: body_signature(secret, body),
        LEGACY_ID_HEADER: delivery_id,
        LEGACY_TIMESTAMP_HEADER: str(timestamp),
    }
