"""Query parameters shared by the query routes (date range, search text), and the unknown-parameter check."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from workflow_engine.models.errors import InvalidRequestError

_BOUND = "ISO-8601 date-time with an offset or Z, e.g. 2026-11-26T08:00:00Z"
StartedAfter = Annotated[
    str | None,
    Query(min_length=1, max_length=64, description=f"Inclusive lower bound (time >= this): {_BOUND}"),
]
StartedBefore = Annotated[
    str | None,
    Query(min_length=1, max_length=64, description=f"Exclusive upper bound (time < this): {_BOUND}"),
]
SearchText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Case-insensitive substring of the step name, error message, output or input (NFKC, casefolded)",
    ),
]

ParentStep = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=80,
        description="Only the attempts of the steps directly inside this block step (choice, parallel, map)",
    ),
]


def refuse_unknown_parameters(router: Router, *known: str) -> None:
    """422 naming the first query parameter the route does not take (a typo must not silently widen a query)."""
    unknown = sorted(set(router.current_event.query_string_parameters or {}) - set(known))
    if unknown:
        raise InvalidRequestError(f"Unknown query parameter: {unknown[0]} (this route takes {', '.join(known)})")
