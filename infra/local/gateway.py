"""The HTTP API, locally: a WSGI app that routes like API Gateway, authorizes like its JWT authorizer and
calls the same handlers with API Gateway HTTP API payload v2 events.

Route selection follows API Gateway: literal path segments win over variables, so
/api/workflows/executions never matches /api/workflows/{workflow_id}.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from infra.catalog import ROUTES, Route
from infra.declarations import CORS
from infra.local.authorizer import JwtAuthorizer
from infra.local.moto_seams import invoke_handler
from infra.local.webapp import StaticSite

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP API payload quota
OPENAPI_PATH = "/api/openapi.json"

# In Lambda an execution environment runs one invocation at a time. Here every API function shares one
# process, and Powertools keeps the current event on a class attribute shared by all resolvers
# (BaseRouter.current_event), so two API invocations at once could read each other's event (and caller).
# The local stack therefore runs one API invocation at a time; step and reconciler invocations are not
# affected (they do not use the resolver).
API_INVOCATION_LOCK = threading.Lock()  # also for in-process callers of the API handlers (tests)


def _rule_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


ROUTES_BY_KEY = {f"{route.method} {route.path}": route for route in ROUTES}
ROUTE_MAP = Map(
    [Rule(_rule_path(route.path), methods=[route.method], endpoint=key) for key, route in ROUTES_BY_KEY.items()],
    strict_slashes=False,
    merge_slashes=False,
)


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would select for `method path`, and its path parameters (None: no route)."""
    try:
        key, arguments = ROUTE_MAP.bind("local").match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return ROUTES_BY_KEY[key], {name: str(value) for name, value in arguments.items()}


def invoke_route(route: Route, event: dict[str, Any]) -> dict[str, Any] | None:
    """Run the route's handler on `event` as its Lambda integration would: one API invocation at a time.

    Returns the Lambda proxy response, or None when the function failed (API Gateway then answers 500).
    """
    with API_INVOCATION_LOCK:
        payload, failed = invoke_handler(route.function.handler, event, function_name=route.function.id)
    return None if failed else json.loads(payload)


def build_event(
    route: Route,
    method: str,
    path: str,
    query_string: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    path_parameters: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as the Lambda integration receives it."""
    headers = {name.lower(): value for name, value in (headers or {}).items()}
    query: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    is_base64 = False
    text: str | None = None
    if isinstance(body, bytes) and body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode(), True
    elif isinstance(body, str) and body:
        text = body
    now = datetime.now(UTC)
    route_key = f"{route.method} {route.path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query_string,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if "cookie" in headers:
        event["cookies"] = [part.strip() for part in headers["cookie"].split(";") if part.strip()]
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if text is not None:
        event["body"] = text
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {
                "claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()},
                "scopes": None,
            }
        }
    return event


def _json_response(status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(document), status=status, headers=headers or {}, content_type="application/json")


class LocalHttpApi:
    """WSGI application standing in for the HTTP API, its JWT authorizer and its Lambda integrations."""

    def __init__(
        self, authorizer: JwtAuthorizer, openapi_file: Path | None = None, site: StaticSite | None = None
    ) -> None:
        self._authorizer = authorizer
        self._openapi_file = openapi_file
        self._site = site  # the web app on the same origin (CloudFront's default behaviour on AWS)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204, headers=_cors_headers())
        if self._openapi_file is not None and (request.method, request.path) == ("GET", OPENAPI_PATH):
            return self._openapi(request)
        if self._site is not None and self._site.handles(request):
            return self._site.respond(request)
        matched = match_route(request.method, request.path)
        if matched is None:
            return _json_response(404, {"message": "Not Found"})
        route, path_parameters = matched
        if request.content_length and request.content_length > MAX_PAYLOAD_BYTES:
            return _json_response(413, {"message": "Request Entity Too Large"})
        # A chunked body has no Content-Length: read at most one byte past the quota to tell if it is over.
        request.max_content_length = MAX_PAYLOAD_BYTES + 1
        claims = None
        if route.authorized:
            claims = self._authorizer.claims(request.headers.get("Authorization"))
            if claims is None:
                return _json_response(401, {"message": "Unauthorized"}, {"www-authenticate": "Bearer"})
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            return _json_response(413, {"message": "Request Entity Too Large"})
        if len(body) > MAX_PAYLOAD_BYTES:
            return _json_response(413, {"message": "Request Entity Too Large"})
        event = build_event(
            route,
            request.method,
            request.path,
            query_string=request.query_string.decode("latin-1"),
            # API Gateway adds X-Forwarded-Proto (and -For, -Port): how the client reached it.
            headers={**dict(request.headers.items()), "X-Forwarded-Proto": request.scheme},
            body=body,
            path_parameters=path_parameters,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        started = time.perf_counter()
        result = invoke_route(route, event)
        if result is None:  # what API Gateway answers when the integration fails
            return _json_response(500, {"message": "Internal Server Error"})
        response = _to_http(result)
        response.headers["x-local-duration-ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
        return response

    def _openapi(self, request: Request) -> Response:
        if self._authorizer.claims(request.headers.get("Authorization")) is None:
            return _json_response(401, {"message": "Unauthorized"})
        assert self._openapi_file is not None
        return Response(self._openapi_file.read_bytes(), status=200, content_type="application/json")


def _to_http(result: Any) -> Response:
    """Lambda proxy response (format 2.0) -> HTTP response, as API Gateway converts it."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json_response(200, result)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(raw, status=int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def _cors_headers() -> dict[str, str]:
    """The preflight answer of the HTTP API's CORS configuration (infra/declarations.py, as the CDK stack sets it)."""
    return {
        "Access-Control-Allow-Origin": ",".join(CORS.allow_origins),
        "Access-Control-Allow-Methods": ",".join(CORS.allow_methods),
        "Access-Control-Allow-Headers": ",".join(CORS.allow_headers),
        "Access-Control-Expose-Headers": ",".join(CORS.expose_headers),
        "Access-Control-Max-Age": str(CORS.max_age_seconds),
    }
