"""Parsing a request body as strict JSON, so that no body a client can send produces a 5xx.

Python's json module accepts more than JSON and fails in ways the API's validation does not expect:
`NaN`, `Infinity` and numbers such as 1e999 that become infinite (not JSON: Step Functions refuses
them), integers of more than 4,300 digits (ValueError), bodies nested a few hundred levels deep
(RecursionError here, or pydantic's serializer failing when the item is read back) and `\\ud800`
escapes (lone surrogates, which cannot be encoded as UTF-8 for DynamoDB). Each is reported as an
ordinary JSON decode error, which the API answers with 422.
"""

from __future__ import annotations

import json
from typing import Any

# Deeper documents are refused (a workflow's input or config has no use for more; DynamoDB itself stops
# at 32 for its own maps and lists). The whole document counts, the request's own envelope included.
MAX_JSON_DEPTH = 64


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large for a JSON number (it would become Infinity)")
    return value


def parse_json_body(text: str) -> Any:
    """`json.loads` for request bodies: strict JSON, at most MAX_JSON_DEPTH levels, valid Unicode only."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep", text, 0) from None
    except ValueError as error:  # NaN/Infinity, integers too long to convert
        raise json.JSONDecodeError(str(error), text, 0) from None
    problem = _problem(document)
    if problem:
        raise json.JSONDecodeError(problem, text, 0)
    return document


def _problem(document: Any) -> str | None:
    """Why `document` is refused (too deep, a string that is not valid Unicode), or None. Iterative."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not _valid_unicode(key):
                    return "JSON text contains an invalid Unicode escape (a lone surrogate)"
                stack.append((item, depth + 1))
        elif isinstance(value, str) and not _valid_unicode(value):
            return "JSON text contains an invalid Unicode escape (a lone surrogate)"
    return None


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
