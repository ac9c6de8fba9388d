"""AWS clients, configured once: the SDK's standard retry mode, bounded timeouts.

boto3 honours AWS_ENDPOINT_URL, so the same code talks to AWS or to the local stack.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=3,
    read_timeout=10,
)


def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)
