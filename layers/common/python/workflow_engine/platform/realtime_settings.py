"""The live updates' settings: the WebSocket route functions, the `$connect` authorizer and the notifier."""

from __future__ import annotations

from pydantic import Field

from workflow_engine.platform.settings import EnvSettings


class RealtimeSettings(EnvSettings):
    """The WebSocket route functions ($connect, $disconnect, subscribe/unsubscribe)."""

    connections_table: str
    workflows_table: str
    executions_table: str
    # API Gateway closes a WebSocket connection after 2 hours at most; its item ages out a little later.
    connection_ttl_seconds: int = Field(default=7_500, ge=60)
    # Caps (README "Live updates"): one user's connections cannot grow the notifier's fan-out without bound.
    max_connections_per_user: int = Field(default=20, ge=1, le=1_000)
    max_subscriptions_per_connection: int = Field(default=100, ge=1, le=1_000)


class NotifierSettings(EnvSettings):
    """The notifier: where connections are listed and where messages are posted."""

    connections_table: str
    # The WebSocket API's management endpoint: https://{api-id}.execute-api.{region}.amazonaws.com/{stage}.
    websocket_callback_url: str = Field(min_length=1)
    # A batch's posts go through one pool of this many threads; each post gives up after the timeouts (no retry:
    # a message missed is read back with GET, and a slow connection must not hold the others).
    post_concurrency: int = Field(default=16, ge=1, le=64)
    post_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=10)
    post_read_timeout_seconds: float = Field(default=2.0, gt=0, le=30)


class AuthorizerSettings(EnvSettings):
    """The WebSocket `$connect` authorizer: which pool and app client issue accepted tokens."""

    user_pool_id: str = Field(min_length=1)
    user_pool_client_id: str = Field(min_length=1)
    aws_region: str = Field(min_length=1)
    # Where the pool's signing keys are: <issuer>/.well-known/jwks.json in AWS; moto serves them under its endpoint.
    jwks_url: str = Field(min_length=1)
