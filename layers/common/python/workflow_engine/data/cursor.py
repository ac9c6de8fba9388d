"""Opaque pagination cursors: a DynamoDB key, checked on the way back in.

A cursor is accepted only when it names exactly the expected key attributes and its partition value is
the caller's own partition, so a crafted token can never reach another user's items. A cursor may also carry
the `scope` of the query that minted it (a digest of its filters): then it is accepted only by that query.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from workflow_engine.errors import InvalidRequestError

SCOPE = "_scope"  # no table attribute starts with "_"


def encode_cursor(key: dict[str, str], scope: str | None = None) -> str:
    document = {**key, SCOPE: scope} if scope else key
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    token: str, attributes: Sequence[str], partition_attribute: str, partition_value: str, scope: str | None = None
) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequestError("next_token is not a valid pagination token") from None
    if scope is not None and (not isinstance(key, dict) or key.pop(SCOPE, None) != scope):
        raise InvalidRequestError("next_token belongs to another query (other filters or range)")
    if (
        not isinstance(key, dict)
        or sorted(key) != sorted(attributes)
        or not all(isinstance(value, str) and value for value in key.values())
        or key[partition_attribute] != partition_value
    ):
        raise InvalidRequestError("next_token is not a valid pagination token")
    return key
