"""DynamoDB item <-> plain dict, and JSON documents stored as strings."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any


@cache
def _codecs() -> tuple[Any, Any]:
    # boto3.dynamodb.types imports boto3 (and botocore's session): deferred to first use, not paid at import.
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Serialize a flat dict; None values are left out (absent attribute = null)."""
    serializer = _codecs()[0]
    return {key: serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    deserializer = _codecs()[1]
    return {key: _plain(deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def load_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
