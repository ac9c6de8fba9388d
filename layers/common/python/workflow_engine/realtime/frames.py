"""Client frames of the real-time channel: JSON objects, parsed only when they nest no deeper than MAX_DEPTH.

A subscription message is one flat object; a frame nested thousands deep would make `json.loads` raise
RecursionError (a 5xx in the handler, a 1011 close in the local emulator). The nesting is measured first, on
the text with its strings left out, so a deep frame is refused with a reason and never reaches the parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 16
NOT_JSON = "A message must be a JSON object"
TOO_DEEP = f"A message may nest objects and arrays at most {MAX_DEPTH} deep"

_SPECIAL = re.compile(r'[\[\]{}"\\]')  # what changes the nesting or where a string starts or ends


class FrameRejected(ValueError):
    """The frame is not a JSON object the channel reads (the message says why, for the client)."""


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep the text's arrays and objects nest (brackets inside strings ignored), in one pass over its
    special characters; counting stops once past `limit`."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1  # the position a backslash inside a string escapes
    for token in _SPECIAL.finditer(text):
        char, at = token.group(), token.start()
        if in_string:
            if at == escaped_at:
                continue
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def parse_frame(body: str | None) -> dict[str, Any]:
    """The frame as a JSON object; FrameRejected when it is not JSON, not an object, or nested too deep."""
    text = body or ""
    if nesting_depth(text) > MAX_DEPTH:
        raise FrameRejected(TOO_DEEP)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameRejected(NOT_JSON) from None
    if not isinstance(document, dict):
        raise FrameRejected(NOT_JSON)
    return document
