"""Webhook url vetting (the http steps' SSRF guard), signing, back-off (pure; IP literals, no DNS)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random

import pytest

from workflow_engine.webhooks import UnsafeWebhookUrl, backoff_seconds, signature, signed_headers, vet_url

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def test_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"id":"x"}'
    assert signature("s3cret", body) == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    headers = signed_headers("s3cret", body, "delivery-1", now=1_700_000_000.5)
    assert headers == {
        "X-Signature-256": signature("s3cret", body),
        "X-Webhook-Id": "delivery-1",
        "X-Webhook-Timestamp": "1700000000",
    }


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
