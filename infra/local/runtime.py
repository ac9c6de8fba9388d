"""Wire the in-process runtime: each function's own environment, moto seams, the reconciler as event listener."""

from __future__ import annotations

from typing import Any

from infra.catalog import FUNCTIONS, RECONCILER
from infra.local import moto_seams
from infra.local.provision import LocalResources


def reconcile(event: dict[str, Any]) -> None:
    """What the EventBridge rule does in the cloud: deliver the status-change event to the reconciler."""
    moto_seams.invoke_handler(RECONCILER.handler, event, function_name=RECONCILER.id)


def install_runtime(resources: LocalResources) -> dict[str, dict[str, str]]:
    """Give each handler exactly its function's environment (read at import, its cold start) and load it now,
    so every later invocation, and any test that imports a handler module, finds it configured."""
    moto_seams.install(status_listener=reconcile)
    for spec in FUNCTIONS:
        moto_seams.set_function_environment(spec.handler, resources.function_environments[spec.id])
        moto_seams.resolve_handler(spec.handler)
    return resources.function_environments
