"""One redactor per step attempt: what the step writes anywhere never holds a secret value or a credential header.

Rules:
- `MASK` ("***") replaces, in every string of a value (dict keys included), each secret value resolved in this
  attempt (`add`), and its URL-encoded and JSON-escaped spellings (an echo of a query string or of a JSON body
  holds those). Longer values are replaced first, so one value inside another is still masked whole.
- Whatever the secrets, the value of a `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` or
  `X-Api-Key` entry (any case) of a `headers` object (the http step's response headers, a failed request's
  response in its error details) reads `MASK`.
- The step runtime (steps.runtime) applies it to the step's output (before it enters the state), its error
  message (before it reaches Step Functions) and details, and the log item's input and output.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
# What a URL keeps as it is when a client normalizes it (RFC 3986 reserved and unreserved characters; the others are
# percent-encoded): the spelling of a value in a query string the http step sent.
_URL_KEEPS = "!#$&'()*+,/:;=?@[]~"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def spellings(value: str) -> set[str]:
    """The ways a value may be written: as is, URL-encoded (fully, as a path, as a form, as a client normalizes a
    URL) and JSON-escaped."""
    encoded = {quote(value, safe=""), quote(value), quote_plus(value), quote(value, safe=_URL_KEEPS)}
    return {value, *encoded, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._ordered: list[str] = []

    def add(self, value: str) -> None:
        """Mask `value` (and its encoded spellings) from now on."""
        self._secrets |= {spelling for spelling in spellings(value) if spelling}
        self._ordered = sorted(self._secrets, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def holds_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._ordered)

    def value(self, value: Any) -> Any:
        """A copy of `value` with every secret masked, and the credential headers of `headers` objects."""
        return self._walk(value, headers=False)

    def _walk(self, value: Any, headers: bool) -> Any:
        if isinstance(value, str):
            return self.text(value) if self._ordered else value
        if isinstance(value, dict):
            masked: dict[Any, Any] = {}
            for key, item in value.items():
                name = self.text(key) if isinstance(key, str) else key
                if headers and isinstance(key, str) and key.lower() in SENSITIVE_HEADERS:
                    masked[name] = MASK
                else:
                    masked[name] = self._walk(item, headers=isinstance(key, str) and key.lower() == "headers")
            return masked
        if isinstance(value, (list, tuple)):
            return [self._walk(item, headers=False) for item in value]
        return value
