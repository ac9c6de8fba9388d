"""The local JWT authorizer accepts exactly what the HTTP API JWT authorizer accepts."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.local.authorizer import JwtAuthorizer
from tests.support.loopback import json_server

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
CLIENT = "client-1"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY, OTHER_KEY = _key(), _key()


@pytest.fixture(scope="module")
def authorizer():
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(POOL_KEY.public_key()))
    document = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    with json_server(lambda path, headers: document) as url:
        yield JwtAuthorizer(ISSUER, [CLIENT], f"{url}/jwks.json")


def claims(**overrides):
    now = int(time.time())
    base = {"sub": "user-1", "iss": ISSUER, "iat": now, "exp": now + 300, "token_use": "id", "aud": CLIENT}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload, key=POOL_KEY, kid="k1", algorithm="RS256"):
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def test_valid_id_and_access_tokens(authorizer):
    assert authorizer.claims("Bearer " + sign(claims()))["sub"] == "user-1"
    access = claims(token_use="access", aud=None, client_id=CLIENT)
    assert authorizer.claims("Bearer " + sign(access))["sub"] == "user-1"
    assert authorizer.claims(sign(claims())) is not None  # API Gateway also accepts a bare token


def _unsigned(payload):
    def part(document):
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'kid': 'k1'})}.{part(payload)}."


def _hs256_with_public_key(payload):
    public_pem = POOL_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}

    def part(document):
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    import hashlib
    import hmac

    signing_input = f"{part(header)}.{part(payload)}".encode()
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-token",
        "Bearer " + sign(claims(), key=OTHER_KEY),
        "Bearer " + sign(claims(), kid="unknown"),
        "Bearer " + sign(claims(exp=int(time.time()) - 10)),
        "Bearer " + sign(claims(iss="https://cognito-idp.us-east-1.amazonaws.com/other_pool")),
        "Bearer " + sign(claims(aud="another-client")),
        "Bearer " + sign(claims(token_use="access", aud=None, client_id="another-client")),
        "Bearer " + sign(claims(token_use="refresh")),
        "Bearer " + sign(claims(token_use=None)),
        "Bearer " + sign(claims(sub=None)),
        "Bearer " + _unsigned(claims()),
        "Bearer " + _hs256_with_public_key(claims()),
    ],
    ids=[
        "missing",
        "empty",
        "bearer-only",
        "malformed",
        "other-key",
        "unknown-kid",
        "expired",
        "wrong-issuer",
        "wrong-audience",
        "wrong-client-id",
        "refresh-token-use",
        "no-token-use",
        "no-sub",
        "alg-none",
        "hs256-with-public-key",
    ],
)
def test_refused_tokens(authorizer, authorization):
    assert authorizer.claims(authorization) is None
