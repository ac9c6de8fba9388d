"""Cognito JWT verification: the checks API Gateway's HTTP API JWT authorizer makes, written once.

The WebSocket API's `$connect` Lambda authorizer (functions/realtime/authorizer.py) and the local stack's
HTTP API authorizer (infra/local/authorizer.py) both verify tokens here.

A token (with or without the "Bearer " prefix) is accepted when it is an RS256 JWT signed by a key of the
pool's JWKS, from the pool's issuer, not expired (exp, nbf, iat checked, no leeway), with `aud` (ID token)
or `client_id` (access token) among the configured audiences and `token_use` "id" or "access".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jwt
from jwt import PyJWKClient

REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use"]
TOKEN_USES = ("id", "access")


def cognito_issuer(region: str, user_pool_id: str) -> str:
    """The `iss` claim of a Cognito user pool's tokens."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class JwtVerifier:
    def __init__(self, issuer: str, audiences: Iterable[str], jwks_url: str | None = None) -> None:
        self._issuer = issuer
        self._audiences = set(audiences)
        # Cognito serves the pool's keys under its issuer; the local stack's moto serves them at its endpoint.
        self._jwks = PyJWKClient(jwks_url or f"{issuer}/.well-known/jwks.json", cache_keys=True, lifespan=3600)

    def claims(self, token: str | None) -> dict[str, Any] | None:
        """The token's claims when every check passes, else None."""
        if not token:
            return None
        token = token[7:] if token[:7].lower() == "bearer " else token
        token = token.strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
                leeway=0,
            )
        except (jwt.PyJWTError, ValueError, KeyError):
            return None
        if claims.get("token_use") not in TOKEN_USES:
            return None
        audience = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
        if isinstance(audience, list):
            matched = bool(self._audiences.intersection(audience))
        else:
            matched = audience in self._audiences
        return claims if matched else None
