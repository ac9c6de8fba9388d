"""WebSocket `$default`: any message without a known action (not JSON, no `action`, an unknown one)."""

import json
from typing import Any

from workflow_engine.realtime.subscriptions import UNKNOWN_ACTION, error


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(error(UNKNOWN_ACTION), separators=(",", ":"))}
