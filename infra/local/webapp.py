"""The monitoring web app, locally: its static files, `/config.json` and `/openapi.json` on the API's origin, with
the security headers CloudFront adds on AWS (infra/constructs/web.py), and sign-ups confirmed at once.

The app is build-free (standard ES modules under web/); `make web` copies the chart library from
web/node_modules into web/vendor/. `/config.json` is written from the same values as the outputs file.
"""

from __future__ import annotations

import functools
import json
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
from werkzeug.wrappers import Request, Response

from infra.catalog import REPO_ROOT
from infra.examples import examples_document

WEB_DIR = REPO_ROOT / "web"
# The API's OpenAPI document, public as on AWS: the clients read the step types and statuses from it.
OPENAPI_FILE = REPO_ROOT / "openapi.json"
SERVED = ("index.html", "app.css", "src/", "vendor/")  # never node_modules/, package*.json


def content_security_policy(connect_sources: list[str]) -> str:
    """The policy of the app on every stack: its own files only, plus the Cognito and WebSocket endpoints."""
    connect = " ".join(["'self'", *dict.fromkeys(source for source in connect_sources if source)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(config: dict[str, Any]) -> dict[str, str]:
    connect = [config.get("CognitoEndpoint", ""), config.get("WebSocketUrl", "")]
    return {
        "Content-Security-Policy": content_security_policy(connect),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


class StaticSite:
    """GET of a file under web/ (index.html at /), `/config.json` from the stack's values, `/openapi.json`
    (the committed document, as the CDK web construct deploys it; no token needed) and `/examples.json` (the
    repository's examples/, infra/examples.py).

    `config` is read at each request, so endpoints that start after the site (a WebSocket server) are in it."""

    def __init__(
        self, config: Callable[[], dict[str, Any]], root: Path = WEB_DIR, openapi_file: Path = OPENAPI_FILE
    ) -> None:
        self._config = config
        self._root = root.resolve()
        self._openapi_file = openapi_file

    def handles(self, request: Request) -> bool:
        return request.method in ("GET", "HEAD") and not request.path.startswith("/api/") and request.path != "/api"

    def respond(self, request: Request) -> Response:
        if request.path == "/config.json":
            return self._response(json.dumps(self._config()).encode(), "application/json", cache="no-store")
        if request.path == "/openapi.json":
            return self._response(self._openapi_file.read_bytes(), "application/json", cache="no-cache")
        if request.path == "/examples.json":
            return self._response(json.dumps(examples_document()).encode(), "application/json", cache="no-cache")
        file = (self._root / (request.path.lstrip("/") or "index.html")).resolve()
        relative = file.relative_to(self._root).as_posix() if file.is_relative_to(self._root) else None
        if relative is None or not file.is_file() or not any(relative.startswith(prefix) for prefix in SERVED):
            return Response(json.dumps({"message": "Not Found"}), status=404, content_type="application/json")
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return self._response(file.read_bytes(), kind, cache="no-cache")

    def _response(self, body: bytes, kind: str, cache: str) -> Response:
        response = Response(body, status=200, content_type=kind, headers=security_headers(self._config()))
        response.headers["Cache-Control"] = cache
        return response


def app_config(outputs: dict[str, Any]) -> dict[str, Any]:
    """`/config.json`: what the app needs to find the API, the WebSocket and Cognito. Nothing secret."""
    config = {
        "ApiUrl": outputs["ApiUrl"],
        "Region": outputs["Region"],
        "UserPoolId": outputs["UserPoolId"],
        "UserPoolClientId": outputs["UserPoolClientId"],
        "CognitoEndpoint": outputs.get("AwsEndpointUrl") or f"https://cognito-idp.{outputs['Region']}.amazonaws.com/",
    }
    if outputs.get("WebSocketUrl"):
        config["WebSocketUrl"] = outputs["WebSocketUrl"]
    return config


def confirm_sign_ups_at_once() -> None:
    """Locally, a user who signs up is confirmed at once (as a pool whose pre-sign-up trigger sets
    `autoConfirmUser` does), so the app's sign-up works from the browser alone: AdminConfirmSignUp needs AWS
    credentials, which a browser must never hold. On AWS an administrator confirms new users."""
    original = CognitoIdpBackend.sign_up
    if getattr(original, "_confirms", False):
        return

    @functools.wraps(original)
    def sign_up(self: CognitoIdpBackend, *args: Any, **kwargs: Any) -> Any:
        user, delivery = original(self, *args, **kwargs)
        user.status = UserStatus["CONFIRMED"]
        return user, None

    sign_up._confirms = True  # type: ignore[attr-defined]
    CognitoIdpBackend.sign_up = sign_up  # type: ignore[method-assign]
