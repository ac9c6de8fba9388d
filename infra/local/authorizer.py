"""The HTTP API JWT authorizer, locally: the same checks API Gateway makes before a route's Lambda runs.

The token (with or without the "Bearer " prefix) must be an RS256 JWT signed by a key of the pool's JWKS,
from the pool's issuer, not expired (exp, nbf, iat checked), with `aud` (ID token) or `client_id`
(access token) among the configured audiences and `token_use` "id" or "access". Anything else: None.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt import PyJWKClient


class JwtAuthorizer:
    def __init__(self, issuer: str, audiences: list[str], jwks_url: str) -> None:
        self._issuer = issuer
        self._audiences = set(audiences)
        self._jwks = PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        if not authorization:
            return None
        token = authorization[7:] if authorization[:7].lower() == "bearer " else authorization
        token = token.strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
                leeway=0,
            )
        except (jwt.PyJWTError, ValueError, KeyError):
            return None
        if claims.get("token_use") not in ("id", "access"):
            return None
        audience = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
        if isinstance(audience, list):
            matched = bool(self._audiences.intersection(audience))
        else:
            matched = audience in self._audiences
        return claims if matched else None
