"""Opaque pagination cursors: a DynamoDB key, checked on the way back in.

A cursor is accepted only when it names exactly the expected key attributes and its partition value is
the caller's own partition, so a crafted token can never reach another user's items. A cursor may also carry
the `scope` of the query that minted it (a digest of its filters): then it is accepted only by that query.

A cursor is one flat JSON object of strings, parsed as that shape by pydantic's JSON parser, which has its own
nesting limit: any token that is not one (bad base64, not UTF-8, not JSON, nested however deep) is a 422
InvalidRequestError, never an exception the API would answer with a 5xx.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from workflow_engine.models.errors import InvalidRequestError

SCOPE = "_scope"  # no table attribute starts with "_"
_CURSOR = TypeAdapter(dict[str, str])


def encode_cursor(key: dict[str, str], scope: str | None = None) -> str:
    document = {**key, SCOPE: scope} if scope else key
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    token: str, attributes: Sequence[str], partition_attribute: str, partition_value: str, scope: str | None = None
) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = _CURSOR.validate_json(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:  # binascii.Error, UnicodeError and pydantic's ValidationError (too deep included) are ones
        raise InvalidRequestError("next_token is not a valid pagination token") from None
    if scope is not None and key.pop(SCOPE, None) != scope:
        raise InvalidRequestError("next_token belongs to another query (other filters or range)")
    if sorted(key) != sorted(attributes) or not all(key.values()) or key[partition_attribute] != partition_value:
        raise InvalidRequestError("next_token is not a valid pagination token")
    return key
