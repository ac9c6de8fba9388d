"""Signing and verifying inbound webhook calls (workflow_engine.triggers.signature): pure, no AWS."""

from __future__ import annotations

import hashlib
import hmac
import subprocess

import pytest

from workflow_engine.models.errors import UnauthorizedError
from workflow_engine.triggers import signature as signatures
from workflow_engine.triggers.signature import fresh_timestamp, new_secret, signature, signature_matches

SECRET = "0123456789abcdef" * 4
BODY = b'{"order": 42}'


def test_the_signature_is_the_hex_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, "1700000000", BODY) == f"sha256={expected}"


def test_the_signature_is_what_openssl_computes_from_a_shell() -> None:
    """README's shell recipe: printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"."""
    shell = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", SECRET],
        input=b"1700000000." + BODY,
        capture_output=True,
        check=True,
    )
    assert signature(SECRET, "1700000000", BODY) == "sha256=" + shell.stdout.decode().split()[-1]


def test_a_matching_signature_is_accepted_and_any_change_refused() -> None:
    good = signature(SECRET, "1700000000", BODY)
    assert signature_matches(SECRET, "1700000000", BODY, good)
    assert signature_matches(SECRET, "1700000000", BODY, f"  {good} ")
    assert not signature_matches(SECRET, "1700000001", BODY, good)
    assert not signature_matches(SECRET, "1700000000", BODY + b" ", good)
    assert not signature_matches("another", "1700000000", BODY, good)
    assert not signature_matches(SECRET, "1700000000", BODY, good.removeprefix("sha256="))
    assert not signature_matches(SECRET, "1700000000", BODY, good.upper())
    assert not signature_matches(SECRET, "1700000000", BODY, "sha256=é\udcff")  # never raises


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return False

    monkeypatch.setattr(signatures.hmac, "compare_digest", compare)
    good = signature(SECRET, "1700000000", BODY)
    assert not signature_matches(SECRET, "1700000000", BODY, good)  # the answer is compare_digest's
    assert calls == [(good.encode(), good.encode())]


@pytest.mark.parametrize("offset", [0, 1, -1, 299, -299, 300, -300])
def test_a_timestamp_within_300_seconds_is_fresh(offset: int) -> None:
    now = 1_700_000_000.5
    assert fresh_timestamp(str(int(now) + offset), now) == int(now) + offset


@pytest.mark.parametrize("value", [None, "", "abc", "1.5", "-1", "1e9", "99999999999999", str(1_700_000_000 - 302)])
def test_a_missing_malformed_or_stale_timestamp_is_refused(value: str | None) -> None:
    with pytest.raises(UnauthorizedError):
        fresh_timestamp(value, 1_700_000_000.0)


def test_a_future_timestamp_past_the_window_is_refused() -> None:
    with pytest.raises(UnauthorizedError):
        fresh_timestamp(str(1_700_000_000 + 302), 1_700_000_000.0)


def test_secrets_are_fresh_and_long() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(secret) == 64 and int(secret, 16) >= 0 for secret in secrets)
