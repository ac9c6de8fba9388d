"""Keeping step payloads (inputs and outputs written to the step log) within a byte budget.

Rules:
- Size is the length in UTF-8 bytes of the compact JSON text (`separators=(",", ":")`,
  `ensure_ascii=False`), i.e. what a JSON document of the value actually costs.
- `cap_json(value, max_bytes)` returns `(value, False)` untouched when it fits, otherwise
  `({"truncated": True, "size_bytes": n, "preview": "..."}, True)` where `preview` is the start of the
  JSON text, at most `max_bytes // 2` UTF-8 bytes, never cut inside a multi-byte character. The
  replacement itself is guaranteed to fit in `max_bytes` (the preview is shortened further if JSON
  escaping inflated it), as long as `max_bytes` leaves room for the wrapper (about 60 bytes).
- `to_jsonable(value)` turns what DynamoDB and Python hand back into plain JSON types: `Decimal` to
  int (integral) or float, tuples and sets to lists, bytes to text, dates to ISO-8601, dict keys to str.
  Values json cannot encode are measured through the same conversion (unknown objects as `str()`).
"""

from __future__ import annotations

import base64
import datetime
import json
from decimal import Decimal
from typing import Any

# Bytes of the wrapper around the preview: {"truncated":true,"size_bytes":<n>,"preview":""}.
_WRAPPER_OVERHEAD = 60


def to_jsonable(value: Any) -> Any:
    """A copy of `value` made of dict/list/str/int/float/bool/None only."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(item) for item in sorted(value, key=repr)]
    if isinstance(value, (bytes, bytearray)):
        return _bytes(bytes(value))
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def json_text(value: Any) -> str:
    """Compact JSON text of `value` (non-JSON types converted as `to_jsonable` does)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def json_size(value: Any) -> int:
    """UTF-8 byte length of the compact JSON text of `value`."""
    return len(_utf8(json_text(value)))


def cap_json(value: Any, max_bytes: int) -> tuple[Any, bool]:
    """`(value, False)` if its compact JSON fits in `max_bytes`, else `(summary, True)`."""
    encoded = _utf8(json_text(value))
    size = len(encoded)
    if size <= max_bytes:
        return value, False
    budget = max(max_bytes // 2, 0)
    while True:
        summary = {"truncated": True, "size_bytes": size, "preview": _prefix(encoded, budget)}
        overshoot = json_size(summary) - max_bytes
        if overshoot <= 0 or budget == 0:
            return summary, True
        budget = max(budget - overshoot, 0)


def _prefix(encoded: bytes, max_len: int) -> str:
    """At most `max_len` bytes of UTF-8 text, dropping a multi-byte character cut in half."""
    return encoded[:max_len].decode("utf-8", errors="ignore")


def _utf8(text: str) -> bytes:
    # Lone surrogates cannot be UTF-8 encoded; count them as the replacement character.
    return text.encode("utf-8", errors="replace")


def _default(value: Any) -> Any:
    """json.dumps' fallback for what it cannot encode: to_jsonable converts every such value."""
    return to_jsonable(value)


def _decimal(value: Decimal) -> int | float | str:
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _bytes(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii")
