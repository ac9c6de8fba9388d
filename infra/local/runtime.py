"""Wire the in-process runtime: handler environment, moto seams, and the reconciler as event listener."""

from __future__ import annotations

import os
from typing import Any

from infra.catalog import RECONCILER
from infra.local import moto_seams
from infra.local.provision import DEFAULT_WEBSOCKET_CALLBACK_URL, LocalResources


def reconcile(event: dict[str, Any]) -> None:
    """What the EventBridge rule does in the cloud: deliver the status-change event to the reconciler."""
    moto_seams.invoke_handler(RECONCILER.handler, event, function_name=RECONCILER.id)


def install_runtime(
    resources: LocalResources,
    http_allowed_networks: str = "127.0.0.0/8,::1/128",
    websocket_callback_url: str = DEFAULT_WEBSOCKET_CALLBACK_URL,
    aws_endpoint_url: str | None = None,
) -> dict[str, str]:
    environment = resources.handler_environment(http_allowed_networks, websocket_callback_url, aws_endpoint_url)
    os.environ.update(environment)
    moto_seams.install(status_listener=reconcile)
    return environment
