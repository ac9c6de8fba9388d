"""Wire the in-process runtime: each function's own environment, moto seams, and status-change events delivered
through the provisioned EventBridge rules (the declared rule routes them to the reconciler)."""

from __future__ import annotations

from typing import Any

from infra.catalog import FUNCTIONS
from infra.local import moto_seams
from infra.local.provision import LocalResources


def reconcile(event: dict[str, Any]) -> None:
    """What EventBridge does in the cloud: the rules matching the status-change event invoke their targets (the
    status change rule of infra/declarations.py: the reconciler)."""
    moto_seams.deliver_to_event_rules(event)


def install_runtime(resources: LocalResources) -> dict[str, dict[str, str]]:
    """Give each handler exactly its function's environment (read at import, its cold start) and load it now,
    so every later invocation, and any test that imports a handler module, finds it configured."""
    moto_seams.install(status_listener=reconcile)
    for spec in FUNCTIONS:
        moto_seams.set_function_environment(spec.handler, resources.function_environments[spec.id])
        moto_seams.resolve_handler(spec.handler)
    return resources.function_environments
