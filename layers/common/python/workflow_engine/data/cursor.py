"""Opaque pagination cursors: a DynamoDB key, checked on the way back in.

A cursor is accepted only when it names exactly the expected key attributes and its partition value is
the caller's own partition, so a crafted token can never reach another user's items.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from workflow_engine.errors import InvalidRequestError


def encode_cursor(key: dict[str, str]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, attributes: Sequence[str], partition_attribute: str, partition_value: str) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequestError("next_token is not a valid pagination token") from None
    if (
        not isinstance(key, dict)
        or sorted(key) != sorted(attributes)
        or not all(isinstance(value, str) and value for value in key.values())
        or key[partition_attribute] != partition_value
    ):
        raise InvalidRequestError("next_token is not a valid pagination token")
    return key
