"""Signing and verifying inbound webhook calls: pure functions, no I/O.

`X-Signature-256: sha256=<hex HMAC-SHA256, keyed with the trigger's secret, of "<X-Timestamp>.<raw body>">`, the
timestamp in Unix seconds. The comparison is constant-time (hmac.compare_digest) so that timing reveals nothing
of the expected signature; a timestamp more than CLOCK_TOLERANCE_SECONDS away from the receiver's clock is stale.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from workflow_engine.models.errors import UnauthorizedError
from workflow_engine.models.triggers import CLOCK_TOLERANCE_SECONDS, SIGNATURE_SCHEME

SECRET_BYTES = 32
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def new_secret() -> str:
    """A fresh trigger secret: 64 hex characters (256 bits), safe to paste into a shell."""
    return secrets.token_hex(SECRET_BYTES)


def signed_payload(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode() + b"." + body


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Signature-256` value of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), signed_payload(timestamp, body), hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}{digest}"


def signature_matches(secret: str, timestamp: str, body: bytes, presented: str) -> bool:
    """Whether `presented` is the signature of `body` at `timestamp`, compared in constant time."""
    expected = signature(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, presented.strip().encode("utf-8", "replace"))


def fresh_timestamp(timestamp: str | None, now: float) -> int:
    """The `X-Timestamp` as Unix seconds, or UnauthorizedError when it is missing, malformed or stale."""
    if timestamp is None or not _TIMESTAMP.fullmatch(timestamp.strip()):
        raise UnauthorizedError("X-Timestamp is missing or is not Unix seconds")
    moment = int(timestamp.strip())
    if abs(int(now) - moment) > CLOCK_TOLERANCE_SECONDS:  # whole seconds, as the header counts them
        raise UnauthorizedError(f"X-Timestamp is more than {CLOCK_TOLERANCE_SECONDS} seconds from the server's clock")
    return moment
