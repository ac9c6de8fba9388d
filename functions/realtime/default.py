"""WebSocket `$default`: any message without a known action (not JSON, no `action`, an unknown one, binary, or
nested too deep for its action to be read): an error message saying so."""

import json
from typing import Any

from workflow_engine.realtime.subscriptions import unrouted


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = None if event.get("isBase64Encoded") else event.get("body")
    return {"statusCode": 200, "body": json.dumps(unrouted(body), separators=(",", ":"))}
