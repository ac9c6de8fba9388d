"""Keeping step payloads (inputs and outputs written to the step log) within a byte budget.

Rules:
- Size is the length in UTF-8 bytes of the compact JSON text (`separators=(",", ":")`,
  `ensure_ascii=False`), i.e. what a JSON document of the value actually costs.
- `cap_json(value, max_bytes)` returns `(value, False)` untouched when it fits, otherwise
  `({"truncated": True, "size_bytes": n, "preview": "..."}, True)` where `preview` is the start of the
  JSON text, at most `max_bytes // 2` UTF-8 bytes, never cut inside a multi-byte character. The
  replacement itself is guaranteed to fit in `max_bytes` (the preview is shortened further if JSON
  escaping inflated it), as long as `max_bytes` leaves room for the wrapper (about 60 bytes).
- A value nested deeper than `max_depth` levels (default MAX_LOG_DEPTH) does not fit either, whatever its
  size: it becomes `({"truncated": True, "nested_deeper_than": max_depth, "preview": "..."}, True)`, the
  preview being the JSON text of the value with what lies deeper than `max_depth` written as "...". Such a
  value is never walked recursively past `max_depth` (JSON encoders and pydantic fail on deep values).
- `nested_deeper_than(value, limit)` tells, without recursion, whether a value nests deeper than `limit`.
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
# Deeper than this, a value is not stored as is (pydantic's serializer stops at about 250 levels, and a log item
# wraps the value in a few levels of its own).
MAX_LOG_DEPTH = 128
_ELIDED = "..."


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


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` has a container more than `limit` levels down (a scalar is level 0), walked iteratively."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = _children(item)
        if children is None:
            continue
        if depth + 1 > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def cap_json(value: Any, max_bytes: int, max_depth: int = MAX_LOG_DEPTH) -> tuple[Any, bool]:
    """`(value, False)` if its compact JSON fits in `max_bytes` and `max_depth`, else `(summary, True)`."""
    if nested_deeper_than(value, max_depth):
        return _too_deep(value, max_bytes, max_depth), True
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


def _too_deep(value: Any, max_bytes: int, max_depth: int) -> dict[str, Any]:
    encoded = _utf8(json_text(_clipped(value, max_depth)))
    budget = max(min(max_bytes // 2, max_bytes - _WRAPPER_OVERHEAD), 0)
    while True:
        summary = {"truncated": True, "nested_deeper_than": max_depth, "preview": _prefix(encoded, budget)}
        overshoot = json_size(summary) - max_bytes
        if overshoot <= 0 or budget == 0:
            return summary
        budget = max(budget - overshoot, 0)


def _clipped(value: Any, depth: int) -> Any:
    """A JSON copy of `value` whose containers deeper than `depth` levels read "..." (recursion <= depth)."""
    children = _children(value)
    if children is None:
        return to_jsonable(value)
    if depth == 0:
        return _ELIDED
    if isinstance(value, dict):
        return {str(key): _clipped(item, depth - 1) for key, item in value.items()}
    return [_clipped(item, depth - 1) for item in children]


def _children(value: Any) -> list[Any] | None:
    """The items of a container (dict values, list/tuple/set items), None for anything else."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return None


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
