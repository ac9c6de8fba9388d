"""Webhook url vetting (the http steps' SSRF guard), signing, back-off (pure; IP literals, no DNS).

Signatures are checked with the `standardwebhooks` library, as a receiver would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from workflow_engine.notifications.webhooks import (
    UnsafeWebhookUrl,
    backoff_seconds,
    body_signature,
    new_secret,
    signed_headers,
    signing_key,
    vet_url,
)

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
BODY = b'{"id":"x","status":"completed"}'
OLDER_SECRET = "Xq3v-9ZbT_0kq1wq8n2Q7l4YhB3s0dW1c5eR6tY7uI8"  # the form of secrets made before (token_urlsafe)


def test_a_new_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = new_secret()
    assert secret.startswith("whsec_") and secret != new_secret()
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert signing_key(secret) == base64.b64decode(secret.removeprefix("whsec_"))


def test_a_delivery_verifies_with_the_standard_webhooks_library():
    secret = new_secret()
    headers = signed_headers(secret, BODY, "delivery-1")
    assert Webhook(secret).verify(BODY, headers) == {"id": "x", "status": "completed"}
    assert headers["webhook-id"] == headers["X-Webhook-Id"] == "delivery-1"
    assert headers["webhook-timestamp"] == headers["X-Webhook-Timestamp"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5


@pytest.mark.parametrize(
    "tamper",
    [
        {"webhook-timestamp": lambda value: str(int(value) + 60)},  # replayed with a fresher timestamp
        {"webhook-id": lambda value: value + "-again"},  # replayed as another delivery (beats de-duplication)
        {"webhook-id": lambda value: "delivery-2"},
    ],
)
def test_a_changed_id_or_timestamp_fails_verification(tamper):
    secret = new_secret()
    headers = signed_headers(secret, BODY, "delivery-1")
    changed = {name: tamper[name](value) if name in tamper else value for name, value in headers.items()}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(BODY, changed)


def test_a_changed_body_or_another_secret_fails_verification():
    secret = new_secret()
    headers = signed_headers(secret, BODY, "delivery-1")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"completed", b"failed"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_an_old_attempt_is_refused_by_the_library_tolerance():
    secret = new_secret()
    headers = signed_headers(secret, BODY, "delivery-1", now=time.time() - 600)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_x_signature_256_is_the_hex_hmac_of_the_body_alone_keyed_by_the_secret_string():
    for secret in (new_secret(), OLDER_SECRET):
        headers = signed_headers(secret, BODY, "delivery-1", now=1_700_000_000.5)
        expected = "sha256=" + hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
        assert headers["X-Signature-256"] == body_signature(secret, BODY) == expected
        assert headers["X-Webhook-Timestamp"] == headers["webhook-timestamp"] == "1700000000"


def test_a_secret_of_the_older_form_signs_with_its_utf8_bytes():
    headers = signed_headers(OLDER_SECRET, BODY, "delivery-1")
    assert signing_key(OLDER_SECRET) == OLDER_SECRET.encode()
    assert Webhook(OLDER_SECRET.encode()).verify(BODY, headers)  # bytes: the library uses them as the key


def test_each_attempt_signs_its_own_time_under_the_same_id():
    secret = new_secret()
    first = signed_headers(secret, BODY, "delivery-1", now=1_700_000_000)
    second = signed_headers(secret, BODY, "delivery-1", now=1_700_000_009)
    assert first["webhook-id"] == second["webhook-id"]
    assert first["webhook-signature"] != second["webhook-signature"]
    assert first["X-Signature-256"] == second["X-Signature-256"]


@pytest.mark.parametrize(
    ("url", "allowed", "reason"),
    [
        ("http://93.184.216.34/x", (), "https"),  # AWS: https only
        ("http://93.184.216.34/x", LOOPBACK, "https"),  # allowed networks never make a public http url fine
        ("https://10.0.0.1/x", (), "private"),
        ("https://127.0.0.1/x", (), "loopback"),
        ("https://[::ffff:169.254.169.254]/x", LOOPBACK, "link-local"),
        ("https://user:pw@93.184.216.34/x", (), "credentials"),
        ("https://93.184.216.34/x#frag", (), "fragment"),
    ],
)
def test_refused_urls_say_why(url, allowed, reason):
    with pytest.raises(UnsafeWebhookUrl, match=reason):
        vet_url(url, allowed)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://93.184.216.34/hook", ()),
        ("http://127.0.0.1:8080/hook", LOOPBACK),  # the local stack: loopback allowed, as for http steps
        ("https://127.0.0.1/hook", LOOPBACK),
    ],
)
def test_accepted_urls(url, allowed):
    vet_url(url, allowed)


def test_backoff_is_full_jitter_doubling_up_to_the_cap():
    rng = random.Random(7)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)):
        delays = [backoff_seconds(attempt, 1.0, 8.0, rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range
