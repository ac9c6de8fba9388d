"""Token attacks over HTTP against every route of the local stack (infra.catalog.ROUTES + the OpenAPI document).

Each forged or foreign token must get exactly what the HTTP API JWT authorizer sends: 401 with the body
{"message": "Unauthorized"}, before any handler runs. Both tokens of a real sign-in are accepted.

Two kinds of forgeries: tokens signed with our own keys (what an attacker can make), and tokens signed with
the pool's real key. The local stack's Cognito (moto) signs with a key that ships inside moto, so here we can
mint tokens that are valid in every respect but one, and prove each claim check on its own (expiry, issuer,
audience, client_id, token_use, sub...) rather than relying on the signature check to catch them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto.utilities.utils import load_resource

from infra.catalog import ROUTES
from infra.local.gateway import OPENAPI_PATH
from tests.reliability.conftest import PASSWORD, aws_client
from tests.support.loopback import json_server

pytestmark = pytest.mark.xdist_group("reliability")

PROTECTED = [(route.method, route.path) for route in ROUTES if route.authorized] + [("GET", OPENAPI_PATH)]
UNAUTHORIZED = {"message": "Unauthorized"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(document: dict[str, Any]) -> str:
    return _b64(json.dumps(document).encode())


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


@pytest.fixture(scope="module")
def pool(rstack: dict[str, Any]) -> dict[str, Any]:
    """The pool's real signing key (moto's) and its published JWKS."""
    private_jwk = load_resource("cognitoidp/resources/jwks-private.json")
    jwks = requests.get(f"{rstack['AwsEndpointUrl']}/{rstack['UserPoolId']}/.well-known/jwks.json", timeout=10).json()
    (public_jwk,) = jwks["keys"]
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(public_jwk))
    return {
        "private_key": jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(private_jwk)),
        "kid": public_jwk["kid"],
        "public_jwk": public_jwk,
        "public_pem": public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "public_pkcs1": public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        "issuer": f"https://cognito-idp.{rstack['Region']}.amazonaws.com/{rstack['UserPoolId']}",
        "client_id": rstack["UserPoolClientId"],
    }


@pytest.fixture(scope="module")
def other_pool_tokens(rstack: dict[str, Any]) -> dict[str, str]:
    """A second user pool and client on the same Cognito endpoint, and a user signed in there."""
    cognito = aws_client(rstack, "cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"other-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.sign_up(ClientId=client_id, Username="mallory", Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username="mallory")
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {"id": result["IdToken"], "access": result["AccessToken"]}


@pytest.fixture(scope="module")
def attacker_jwks() -> Iterator[dict[str, Any]]:
    """The attacker's own RSA key, its JWKS served on loopback (for jku/x5u header tricks)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    hits: list[str] = []

    def jwks(path: str, headers: Any) -> dict[str, Any]:
        hits.append(path)
        return {"keys": [{**public_jwk, "kid": "dummy", "alg": "RS256", "use": "sig"}]}

    with json_server(jwks) as url:
        yield {"key": key, "jwk": public_jwk, "url": f"{url}/jwks.json", "hits": hits}


def _claims(pool: dict[str, Any], use: str = "id", **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": pool["issuer"],
        "token_use": use,
        "iat": now,
        "auth_time": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        **({"aud": pool["client_id"]} if use == "id" else {"client_id": pool["client_id"], "scope": "aws.cognito"}),
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _attacks(pool: dict[str, Any], other: dict[str, str], attacker: dict[str, Any]) -> dict[str, str | None]:
    """Attack name -> the Authorization header value sent (None: no header at all)."""
    real, kid = pool["private_key"], pool["kid"]
    own_key = attacker["key"]
    own_ec = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())

    def pool_signed(claims: dict[str, Any], **headers: Any) -> str:
        return "Bearer " + jwt.encode(claims, real, algorithm="RS256", headers={"kid": kid, **headers})

    def own_signed(claims: dict[str, Any], **headers: Any) -> str:
        return "Bearer " + jwt.encode(claims, own_key, algorithm="RS256", headers=headers)

    valid = _claims(pool)
    genuine = pool_signed(valid)
    head, payload, signature = genuine[7:].split(".")
    tampered_payload = _segment({**valid, "sub": str(uuid.uuid4())})
    alg_none_header = _segment({"alg": "none", "kid": kid, "typ": "JWT"})
    return {
        # missing or malformed
        "missing": None,
        "empty": "",
        "bearer-only": "Bearer",
        "bearer-space": "Bearer    ",
        "basic-scheme": "Basic " + _b64(b"alice:Correct-Horse-42!"),
        "not-a-jwt": "Bearer not-a-token",
        "three-garbage-segments": "Bearer abc.def.ghi",
        "two-segments": f"Bearer {head}.{payload}",
        "four-segments": f"{genuine}.{signature}",
        "non-json-header": f"Bearer {_b64(b'not json')}.{payload}.{signature}",
        "truncated-signature": genuine[:-10],
        "tampered-payload": f"Bearer {head}.{tampered_payload}.{signature}",
        # signed by another key
        "own-key-real-kid": own_signed(valid, kid=kid),
        "own-key-unknown-kid": own_signed(valid, kid="attacker-key"),
        "own-key-no-kid": own_signed(valid),
        "own-key-jku-to-attacker-jwks": own_signed(valid, kid="dummy", jku=attacker["url"]),
        "own-key-x5u-to-attacker": own_signed(valid, kid="dummy", x5u=attacker["url"]),
        "own-key-embedded-jwk": own_signed(valid, kid=kid, jwk=attacker["jwk"]),
        "es256-own-ec-key": "Bearer " + jwt.encode(valid, own_ec, algorithm="ES256", headers={"kid": kid}),
        # algorithm confusion
        "alg-none-empty-signature": f"Bearer {alg_none_header}.{payload}.",
        "alg-none-no-signature": f"Bearer {alg_none_header}.{payload}",
        "alg-none-kept-signature": f"Bearer {alg_none_header}.{payload}.{signature}",
        "alg-None-capitalised": f"Bearer {_segment({'alg': 'None', 'kid': kid})}.{payload}.",
        "hs256-public-key-pem": "Bearer " + _hs256({"alg": "HS256", "kid": kid}, valid, pool["public_pem"]),
        "hs256-public-key-pkcs1": "Bearer " + _hs256({"alg": "HS256", "kid": kid}, valid, pool["public_pkcs1"]),
        "hs256-public-jwk-json": "Bearer "
        + _hs256({"alg": "HS256", "kid": kid}, valid, json.dumps(pool["public_jwk"]).encode()),
        "hs256-kid-path-traversal": "Bearer " + _hs256({"alg": "HS256", "kid": "../../../../dev/null"}, valid, b""),
        # time
        "expired": pool_signed(_claims(pool, exp=now - 5, iat=now - 3600)),
        "expired-access": pool_signed(_claims(pool, "access", exp=now - 5, iat=now - 3600)),
        "not-yet-valid-nbf": pool_signed(_claims(pool, nbf=now + 600)),
        "issued-in-the-future": pool_signed(_claims(pool, iat=now + 600, exp=now + 1200)),
        "no-exp": pool_signed(_claims(pool, exp=None)),
        "no-iat": pool_signed(_claims(pool, iat=None)),
        # issuer
        "wrong-issuer": pool_signed(_claims(pool, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")),
        "issuer-trailing-slash": pool_signed(_claims(pool, iss=pool["issuer"] + "/")),
        "issuer-http": pool_signed(_claims(pool, iss=pool["issuer"].replace("https://", "http://"))),
        "no-issuer": pool_signed(_claims(pool, iss=None)),
        # audience / client
        "wrong-audience": pool_signed(_claims(pool, aud="another-client")),
        "no-audience": pool_signed(_claims(pool, aud=None)),
        "audience-list-without-client": pool_signed(_claims(pool, aud=["another-client", "third"])),
        "wrong-client-id": pool_signed(_claims(pool, "access", client_id="another-client")),
        "access-token-with-aud-only": pool_signed(_claims(pool, "access", client_id=None, aud=pool["client_id"])),
        "id-token-with-client-id-only": pool_signed(_claims(pool, aud=None, client_id=pool["client_id"])),
        # token_use and subject
        "token-use-refresh": pool_signed(_claims(pool, token_use="refresh")),
        "token-use-uppercase": pool_signed(_claims(pool, token_use="ID")),
        "no-token-use": pool_signed(_claims(pool, token_use=None)),
        "no-sub": pool_signed(_claims(pool, sub=None)),
        # tokens of another user pool on the same Cognito endpoint (same signing key in moto!)
        "other-pool-id-token": "Bearer " + other["id"],
        "other-pool-access-token": "Bearer " + other["access"],
    }


def _url(path: str) -> str:
    path = path.replace("{workflow_id}", str(uuid.uuid4())).replace("{execution_id}", str(uuid.uuid4()))
    path = path.replace("{trigger_id}", str(uuid.uuid4()))
    return path.replace("{name}", "ATTACKED_SECRET")


def _send(rstack: dict[str, Any], method: str, path: str, authorization: str | None) -> requests.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    body = {"name": "x", "steps": [{"name": "a", "type": "transform", "config": {"expression": "input"}}]}
    return requests.request(method, rstack["ApiUrl"] + _url(path), headers=headers, json=body, timeout=30)


def test_every_attack_on_every_route_is_401_unauthorized(rstack, pool, other_pool_tokens, attacker_jwks):
    attacks = _attacks(pool, other_pool_tokens, attacker_jwks)
    failures = []
    for name, authorization in attacks.items():
        for method, path in PROTECTED:
            response = _send(rstack, method, path, authorization)
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
            if response.status_code != 401 or body != UNAUTHORIZED:
                failures.append(f"{name} {method} {path}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert attacker_jwks["hits"] == []  # the authorizer never fetched keys from a URL a token named
    print(f"\ntoken attacks: {len(attacks)} kinds x {len(PROTECTED)} routes = {len(attacks) * len(PROTECTED)} requests")


def test_the_minting_is_sound_a_pool_signed_token_with_valid_claims_is_accepted(rstack, pool):
    """The forgeries above differ from this token by one thing each, so each 401 is that one check."""
    for use in ("id", "access"):
        token = jwt.encode(_claims(pool, use), pool["private_key"], algorithm="RS256", headers={"kid": pool["kid"]})
        response = _send(rstack, "GET", "/api/workflows", f"Bearer {token}")
        assert response.status_code == 200, (use, response.text)


@pytest.mark.parametrize("kind", ["id", "access"])
def test_the_pools_id_and_access_tokens_are_accepted_on_every_route(rstack, rtokens, kind):
    token: Callable[[], str] = lambda: rtokens["alice"][kind]  # noqa: E731
    for method, path in PROTECTED:
        response = _send(rstack, method, path, f"Bearer {token()}")
        assert response.status_code != 401, (method, path, response.text)
        assert response.status_code < 500, (method, path, response.text)


def test_health_needs_no_token_and_ignores_a_bad_one(rstack):
    for authorization in (None, "Bearer not-a-token"):
        response = _send(rstack, "GET", "/api/health", authorization)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
