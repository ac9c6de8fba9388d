"""The step types and execution statuses, read from the stack's OpenAPI document instead of kept as copies.

The document is public on both stacks at `<origin>/openapi.json` (the web app's origin: AppUrl, else ApiUrl's),
generated from the engine's step registry and lifecycle. Only a command that checks a `--step-type` or
`--status` reads it, once per process; `wfe --help` and every other command make no extra request. When it
cannot be read, the value is sent as given (the API still checks what it accepts) after a note saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wfe.config import Stack
from wfe.errors import ServerError, UsageError

TIMEOUT_SECONDS = (3, 10)  # connect, read: a check must not hold a command up for long


@dataclass(frozen=True)
class Vocabulary:
    statuses: tuple[str, ...]  # ExecutionStatus, in the lifecycle's order
    terminal: frozenset[str]  # its x-terminal-statuses
    step_types: tuple[str, ...]  # the workflow step union's discriminator, in the registry's order

    def choices(self, kind: str) -> tuple[str, ...]:
        return {"status": self.statuses, "step type": self.step_types}[kind]


def vocabulary_of(document: dict[str, Any]) -> Vocabulary:
    """The lists of one OpenAPI document; a document without them is an error (ValueError)."""
    try:
        schemas = document["components"]["schemas"]
        status = schemas["ExecutionStatus"]
        union = schemas["WorkflowDefinition"]["properties"]["steps"]["items"]
        type_of = {ref: name for name, ref in union["discriminator"]["mapping"].items()}
        return Vocabulary(
            statuses=tuple(status["enum"]),
            terminal=frozenset(status.get("x-terminal-statuses", ())),
            step_types=tuple(type_of[member["$ref"]] for member in union["oneOf"]),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"it lacks {error}") from None


def document_url(stack: Stack) -> str:
    parts = urlsplit(stack.app_url or stack.api_url)
    return f"{parts.scheme}://{parts.netloc}/openapi.json"


def fetch_document(url: str) -> Any:
    import requests

    response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"User-Agent": "wfe"})
    response.raise_for_status()
    return response.json()


_loaded: dict[str, Vocabulary] = {}  # by document URL: one request per process


def load(stack: Stack, fetch: Callable[[str], Any] | None = None) -> Vocabulary:
    """The stack's vocabulary; ServerError (with the URL and the reason) when the document cannot be read."""
    url = document_url(stack)
    if url not in _loaded:
        try:
            _loaded[url] = vocabulary_of((fetch or fetch_document)(url))
        except Exception as error:  # network, HTTP status, JSON or shape: all mean "cannot read it"
            reason = str(error)[:300] or type(error).__name__
            raise ServerError(f"Cannot read the step types and statuses from {url}: {reason}") from None
    return _loaded[url]


def check(
    stack: Stack,
    kind: str,
    value: str | None,
    note: Callable[[str], None],
    fetch: Callable[[str], Any] | None = None,
) -> None:
    """Refuse a `value` the document does not list (UsageError naming the valid ones); no request for None."""
    if value is None:
        return
    try:
        choices = load(stack, fetch).choices(kind)
    except ServerError as error:
        note(f"{error.message}; sending the {kind} {value!r} as given")
        return
    if value not in choices:
        raise UsageError(f"Unknown {kind} {value!r}: choose one of {', '.join(choices)}")
