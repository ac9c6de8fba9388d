"""Signed inbound webhook calls, as another system sends them (tests of every kind share these)."""

from __future__ import annotations

import json
import time
from typing import Any

from workflow_engine.triggers.signature import signature


def signed_headers(
    secret: str, body: bytes, timestamp: int | None = None, delivery_id: str | None = None
) -> dict[str, str]:
    """Content-Type, X-Timestamp, X-Signature-256 (and X-Delivery-Id) for `body` signed with `secret`."""
    moment = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": moment,
        "X-Signature-256": signature(secret, moment, body),
    }
    if delivery_id is not None:
        headers["X-Delivery-Id"] = delivery_id
    return headers


def json_body(document: Any) -> bytes:
    return json.dumps(document).encode()
