"""AWS clients, configured once: the SDK's standard retry mode, bounded timeouts.

boto3 honours AWS_ENDPOINT_URL, so the same code talks to AWS or to the local stack.

Clients are created on first use, not at import: importing boto3 and loading a service model costs more than
the rest of a handler's imports together (see BENCHMARKS.md, cold start), and a handler that never calls a
service (a request rejected by validation) never pays for it. One client
per service per process, shared by every repository of the handler, as one module-level client would be.

`client(...)` is typed per service (the boto3-stubs client types, one overload per service the code uses); the
stubs are dev-only and imported under TYPE_CHECKING, so nothing of them is imported at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

_lock = threading.Lock()
_clients: dict[str, LazyClient] = {}


def client_config() -> Any:
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


class LazyClient:
    """A boto3 client that is created on first attribute access, then reused (creation is locked: the default
    boto3 session is not safe to use from several threads at once)."""

    def __init__(self, service: str, endpoint_url: str | None = None, config: dict[str, Any] | None = None) -> None:
        self._service = service
        self._endpoint_url = endpoint_url
        self._config = config or {}  # botocore Config arguments over client_config()'s
        self._client: Any = None

    @property
    def real(self) -> Any:
        if self._client is None:
            with _lock:
                if self._client is None:
                    import boto3

                    # The service is a run-time string here; the typed client is chosen by `client(...)`'s overloads.
                    create: Callable[..., Any] = boto3.client
                    from botocore.config import Config

                    config = client_config().merge(Config(**self._config))
                    self._client = create(self._service, endpoint_url=self._endpoint_url, config=config)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __repr__(self) -> str:
        state = "created" if self._client is not None else "not created yet"
        return f"<LazyClient {self._service} ({state})>"


@overload
def client(service: Literal["dynamodb"], endpoint_url: str | None = None) -> DynamoDBClient: ...
@overload
def client(service: Literal["stepfunctions"], endpoint_url: str | None = None) -> SFNClient: ...
@overload
def client(service: Literal["lambda"], endpoint_url: str | None = None) -> LambdaClient: ...
@overload
def client(service: Literal["events"], endpoint_url: str | None = None) -> EventBridgeClient: ...
@overload
def client(service: Literal["sqs"], endpoint_url: str | None = None) -> SQSClient: ...
@overload
def client(service: Literal["cognito-idp"], endpoint_url: str | None = None) -> CognitoIdentityProviderClient: ...
@overload
def client(service: Literal["bedrock-runtime"], endpoint_url: str | None = None) -> BedrockRuntimeClient: ...
@overload
def client(service: Literal["secretsmanager"], endpoint_url: str | None = None) -> Any: ...  # no stubs installed
@overload
def client(service: Literal["scheduler"], endpoint_url: str | None = None) -> Any: ...  # no stubs installed
@overload
def client(service: Literal["kms"], endpoint_url: str | None = None) -> Any: ...  # no stubs installed
@overload
def client(
    service: Literal["apigatewaymanagementapi"], endpoint_url: str | None = None, config: dict[str, Any] | None = None
) -> ApiGatewayManagementApiClient: ...
def client(service: str, endpoint_url: str | None = None, config: dict[str, Any] | None = None) -> Any:
    """The process's client for `service` (created on first use); `endpoint_url` for services that have one per
    resource (the WebSocket API's management endpoint); `config`: botocore Config arguments that replace the
    defaults' (timeouts, retries, connection pool)."""
    key = f"{service} {endpoint_url} {sorted((config or {}).items())}" if endpoint_url or config else service
    with _lock:
        if key not in _clients:
            _clients[key] = LazyClient(service, endpoint_url, config)
        return _clients[key]


def created_clients() -> list[Any]:
    """The boto3 clients made so far in this process (for instrumentation: bench/counting.py)."""
    with _lock:
        return [lazy._client for lazy in _clients.values() if lazy._client is not None]
