"""The WebSocket API, locally: what API Gateway does for a WebSocket API, in front of the same Lambda handlers.

- Handshake: the `$connect` authorizer Lambda runs on the upgrade request (REQUEST authorizer event with the
  query string); a refusal answers HTTP 401 and no connection is opened. Then the `$connect` route's handler
  registers the connection; its 4xx answer (e.g. 429: the user holds the most connections) is the handshake's
  answer, with its body, and a failure answers 500; either way no connection is opened.
- Messages: routed by `action` (`$request.body.action`): a known action goes to its route, anything else
  (not JSON, nested deeper than the channel reads, no or unknown action, binary) to `$default`. The
  handler's reply body goes back to the client (the routes have a route response). Messages over
  MAX_MESSAGE_BYTES close the connection (1009), as API Gateway does past its frame limit.
- Close: the `$disconnect` route's handler runs.
- Management API (`@connections`, what ApiGatewayManagementApi calls): POST delivers, DELETE closes, GET
  describes; an unknown or closed connection answers 410 GoneException, as AWS does. It is served on its own
  loopback port (the `websockets` server only speaks GET), named by WEBSOCKET_CALLBACK_URL.

Handlers run on worker threads (as separate Lambda invocations would), never on the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HandshakeRequest
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from infra.catalog import WEBSOCKET_ROUTES, WEBSOCKET_STAGE, WS_AUTHORIZER, FunctionSpec
from infra.local.moto_seams import invoke_handler
from workflow_engine.realtime.frames import FrameRejected, parse_frame

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
API_ID = "local"
ACCOUNT = "123456789012"
MAX_MESSAGE_BYTES = 32 * 1024  # API Gateway: 32 KB frames, 128 KB messages
MAX_POST_BYTES = 128 * 1024  # PostToConnection's payload limit
SEND_TIMEOUT_SECONDS = 10.0
ROUTES_BY_KEY: dict[str, FunctionSpec] = {route.key: route.function for route in WEBSOCKET_ROUTES}
ACTIONS = {key for key in ROUTES_BY_KEY if not key.startswith("$")}


def new_connection_id() -> str:
    """An id shaped like API Gateway's (12 base64 characters, e.g. "L0SM9cOFvHcCIhw=")."""
    return base64.b64encode(secrets.token_bytes(10)).decode().replace("/", "_").replace("+", "-")


def select_route(message: str | bytes) -> str:
    """The route key API Gateway selects with `$request.body.action`."""
    if isinstance(message, bytes):
        return "$default"
    try:
        document = parse_frame(message)  # bounded depth: a frame nested thousands deep never reaches json.loads
    except FrameRejected:
        return "$default"
    action = document.get("action")
    return action if isinstance(action, str) and action in ACTIONS else "$default"


@dataclass
class LiveConnection:
    connection_id: str
    connection: ServerConnection
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any]
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)


def _request_context(
    route_key: str, event_type: str, live: LiveConnection, domain_name: str, authorizer: dict[str, Any] | None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": WEBSOCKET_STAGE,
        "connectedAt": int(live.connected_at * 1000),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent},
        "requestId": uuid.uuid4().hex[:16],
        "domainName": domain_name,
        "connectionId": live.connection_id,
        "apiId": API_ID,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


def _multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # API Gateway keeps the last value in the single-value map
        multi.setdefault(name, []).append(value)
    return single, multi


def _allowed_context(result: Any, method_arn: str) -> dict[str, Any] | None:
    """The authorizer context when the authorizer's policy allows invoking `method_arn`, else None."""
    if not isinstance(result, dict):
        return None
    statements = (result.get("policyDocument") or {}).get("Statement") or []
    allowed = any(
        statement.get("Effect") == "Allow"
        and any(resource in (method_arn, "*") for resource in _as_list(statement.get("Resource")))
        for statement in statements
        if isinstance(statement, dict)
    )
    if not allowed:
        return None
    context = {key: value for key, value in (result.get("context") or {}).items()}
    return {**context, "principalId": result.get("principalId")}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class LocalWebSocketApi:
    """The WebSocket server (`websockets`, on its own event loop thread) and its management API."""

    def __init__(self, port: int = 0, management_port: int = 0) -> None:
        self._requested_port = port
        self._connections: dict[str, LiveConnection] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._management = management_server(ManagementApi(self), management_port)
        self._management_thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    @property
    def management_port(self) -> int:
        return int(self._management.server_port)

    @property
    def callback_url(self) -> str:
        """The management endpoint (what `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` is in AWS)."""
        return f"http://{HOST}:{self._management.server_port}/{WEBSOCKET_STAGE}"

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._management_thread = threading.Thread(
            target=self._management.serve_forever, name="local-websocket-management", daemon=True
        )
        self._management_thread.start()
        started = threading.Event()

        async def listen() -> Server:
            return await serve(
                self._session,
                HOST,
                self._requested_port,
                process_request=self._handshake,
                max_size=MAX_MESSAGE_BYTES,
                server_header=None,
            )

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(listen())
            self.port = next(iter(self._server.sockets)).getsockname()[1]
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="local-websocket-api", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the local WebSocket API did not start")

    def stop(self) -> None:
        self._management.shutdown()
        if self._server is not None:

            async def close() -> None:
                assert self._server is not None
                self._server.close()
                await self._server.wait_closed()

            try:
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            except Exception:  # stopping anyway
                logger.exception("closing the WebSocket server failed")
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # -- API Gateway's side of a connection ----------------------------------------------------------------

    async def _handshake(self, connection: ServerConnection, request: HandshakeRequest) -> Any:
        """Authorizer, then `$connect`; a response here refuses the upgrade (no connection is opened)."""
        parts = urlsplit(request.path)
        query, multi_query = _multi(parse_qsl(parts.query, keep_blank_values=True))
        headers, multi_headers = _multi((name, value) for name, value in request.headers.raw_items())
        live = LiveConnection(
            connection_id=new_connection_id(),
            connection=connection,
            source_ip=str(connection.remote_address[0]) if connection.remote_address else HOST,
            user_agent=request.headers.get("User-Agent", ""),
            authorizer={},
        )
        domain = request.headers.get("Host", f"{HOST}:{self.port}")
        method_arn = f"arn:aws:execute-api:{os.environ.get('AWS_REGION', 'us-east-1')}:{ACCOUNT}:{API_ID}/"
        method_arn += f"{WEBSOCKET_STAGE}/$connect"
        authorizer_event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "stageVariables": {},
            "requestContext": _request_context("$connect", "CONNECT", live, domain, None),
        }
        payload, failed = await asyncio.to_thread(
            invoke_handler, WS_AUTHORIZER.handler, authorizer_event, WS_AUTHORIZER.id
        )
        context = None if failed else _allowed_context(json.loads(payload), method_arn)
        if context is None:
            logger.info("connect refused by the authorizer: %s", payload[:300])
            return connection.respond(HTTPStatus.UNAUTHORIZED, '{"message":"Unauthorized"}\n')
        live.authorizer = context
        connect_event = {
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "requestContext": _request_context("$connect", "CONNECT", live, domain, context),
            "isBase64Encoded": False,
        }
        result = await self._invoke("$connect", connect_event)
        status = 500 if result is None else int(result.get("statusCode", 200))
        if 400 <= status < 500:  # the handler refused the connection: its status and reason
            assert result is not None
            return connection.respond(HTTPStatus(status), str(result.get("body") or "") + "\n")
        if not 200 <= status < 300:
            return connection.respond(HTTPStatus.INTERNAL_SERVER_ERROR, '{"message":"Internal server error"}\n')
        with self._lock:
            self._connections[live.connection_id] = live
        connection.local_connection_id = live.connection_id  # type: ignore[attr-defined]
        connection.local_domain = domain  # type: ignore[attr-defined]
        return None

    async def _session(self, connection: ServerConnection) -> None:
        connection_id: str = connection.local_connection_id  # type: ignore[attr-defined]
        domain: str = connection.local_domain  # type: ignore[attr-defined]
        live = self._connections[connection_id]
        try:
            async for message in connection:
                live.last_active_at = time.time()
                route_key = select_route(message)
                event: dict[str, Any] = {
                    "requestContext": {
                        **_request_context(route_key, "MESSAGE", live, domain, live.authorizer),
                        "messageId": uuid.uuid4().hex[:16],
                    },
                    "body": message if isinstance(message, str) else base64.b64encode(message).decode(),
                    "isBase64Encoded": isinstance(message, bytes),
                }
                result = await self._invoke(route_key, event)
                if result is None:
                    reply = {"message": "Internal server error", "connectionId": connection_id}
                    await connection.send(json.dumps(reply))
                elif result.get("body"):
                    await connection.send(str(result["body"]))
        except ConnectionClosed:
            pass  # the client went away mid-send: $disconnect below, as for any close
        finally:
            with self._lock:
                self._connections.pop(connection_id, None)
            event = {
                "headers": {"Host": domain},
                "requestContext": {
                    **_request_context("$disconnect", "DISCONNECT", live, domain, live.authorizer),
                    "disconnectStatusCode": connection.close_code,
                    "disconnectReason": connection.close_reason or "",
                },
                "isBase64Encoded": False,
            }
            await self._invoke("$disconnect", event)

    async def _invoke(self, route_key: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """Run the route's handler on a worker thread; None when the function failed."""
        spec = ROUTES_BY_KEY[route_key]
        payload, failed = await asyncio.to_thread(invoke_handler, spec.handler, event, spec.id)
        if failed:
            logger.warning("%s failed: %s", spec.id, payload[:500])
            return None
        result = json.loads(payload)
        return result if isinstance(result, dict) else {}

    # -- the management API's side -------------------------------------------------------------------------

    def live(self, connection_id: str) -> LiveConnection | None:
        with self._lock:
            return self._connections.get(connection_id)

    def post(self, connection_id: str, data: bytes) -> bool:
        """Deliver one message; False when the connection is unknown or closed (Gone)."""
        live = self.live(connection_id)
        if live is None:
            return False
        try:
            message: str | bytes = data.decode()
        except UnicodeDecodeError:
            message = data
        future = asyncio.run_coroutine_threadsafe(live.connection.send(message), self._loop)
        try:
            future.result(SEND_TIMEOUT_SECONDS)
        except ConnectionClosed:
            return False
        except TimeoutError:
            future.cancel()
            return False
        return True

    def close(self, connection_id: str) -> bool:
        live = self.live(connection_id)
        if live is None:
            return False
        asyncio.run_coroutine_threadsafe(live.connection.close(), self._loop).result(SEND_TIMEOUT_SECONDS)
        return True


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, as the real endpoint: the notifier's SDK client reuses its connection."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # no line per post


def management_server(app: Any, port: int = 0) -> Any:
    """A threaded loopback WSGI server for a ManagementApi."""
    return make_server(HOST, port, app, threaded=True, request_handler=_KeepAliveHandler)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error(status: int, error_type: str, message: str) -> Response:
    return Response(
        json.dumps({"message": message}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": error_type},
    )


class ManagementApi:
    """WSGI app: the `@connections` API (ApiGatewayManagementApi) over a LocalWebSocketApi's connections.

    Paths are `/@connections/{id}` with or without a stage prefix (`/{stage}/@connections/{id}`)."""

    _urls = Map(
        [
            Rule("/@connections/<connection_id>", endpoint="connection"),
            Rule("/<stage>/@connections/<connection_id>", endpoint="connection"),
        ]
    )

    def __init__(self, api: LocalWebSocketApi) -> None:
        self._api = api

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        try:
            _, arguments = self._urls.bind_to_environ(request.environ).match()
        except Exception:
            return _error(404, "NotFoundException", "Not Found")
        connection_id = arguments["connection_id"]
        if request.method == "POST":
            data = request.get_data(cache=False)
            if len(data) > MAX_POST_BYTES:
                return _error(413, "PayloadTooLargeException", f"Message is over {MAX_POST_BYTES} bytes")
            if not self._api.post(connection_id, data):
                return _error(410, "GoneException", "Connection is gone")
            return Response(status=200)
        if request.method == "DELETE":
            if not self._api.close(connection_id):
                return _error(410, "GoneException", "Connection is gone")
            return Response(status=204)
        if request.method == "GET":
            live = self._api.live(connection_id)
            if live is None:
                return _error(410, "GoneException", "Connection is gone")
            document = {
                "connectedAt": _iso(live.connected_at),
                "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent},
                "lastActiveAt": _iso(live.last_active_at),
            }
            return Response(json.dumps(document), status=200, content_type="application/json")
        return _error(405, "MethodNotAllowed", "Method not allowed")
