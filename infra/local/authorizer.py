"""The HTTP API JWT authorizer, locally: the same checks API Gateway makes before a route's Lambda runs.

The checks themselves live in the layer (workflow_engine.platform.auth.jwt_verifier), shared with the WebSocket
API's `$connect` authorizer Lambda.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.platform.auth.jwt_verifier import JwtVerifier


class JwtAuthorizer:
    def __init__(self, issuer: str, audiences: list[str], jwks_url: str) -> None:
        self._verifier = JwtVerifier(issuer, audiences, jwks_url)

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        """The claims of the `Authorization` header's token, or None when API Gateway would answer 401."""
        return self._verifier.claims(authorization)
