"""Secrets: their names, how a step references one, and the API's shapes. Values never appear in any model
here but the write body (`SecretValue`), and no response carries one.

Rules:
- A name is 1..64 of `A-Z a-z 0-9 _ -` (`SECRET_NAME`). A value is 1..65,536 characters and at most 65,536 bytes as
  UTF-8 (Secrets Manager's limit is in bytes: a value of 65,536 characters that are not all ASCII does not fit).
- Each user's secrets live under `<stack prefix>/<user id>/<name>` (`secret_id`): the user id is the caller's
  token `sub` (API) or the execution's owner (steps), never anything a workflow or a request body says.
- In a step config, `{{ secrets.NAME }}` references one (`secret_reference`). Any placeholder whose expression
  starts with the word `secrets` is a reference and must have exactly that form: saving a workflow checks the
  syntax only (the secret may not exist yet).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

SECRET_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # noqa: S105 (a pattern, not a password)
SECRET_NAME = re.compile(SECRET_NAME_PATTERN)
MAX_SECRET_CHARS = 65_536
MAX_SECRET_BYTES = 65_536
_REFERENCE = re.compile(r"^secrets(?![A-Za-z0-9_])")  # the word `secrets`, then anything but more of a name
_REFERENCE_FORM = re.compile(r"^secrets\s*\.\s*([A-Za-z0-9_-]{1,64})$")
REFERENCE_RULE = "a secret is referenced as {{ secrets.NAME }}, NAME being 1..64 of A-Z a-z 0-9 _ -"


def secret_id(prefix: str, user_id: str, name: str) -> str:
    """Where one user's secret lives: `<prefix>/<user id>/<name>` (a Secrets Manager secret name)."""
    if not SECRET_NAME.match(name):
        raise ValueError(f"invalid secret name {name!r}")
    if not user_id or "/" in user_id:
        raise ValueError("invalid user id")
    return f"{owner_prefix(prefix, user_id)}{name}"


def owner_prefix(prefix: str, user_id: str) -> str:
    """The start of every secret id of `user_id` (with the trailing slash: no user's prefix starts another's)."""
    return f"{prefix.rstrip('/')}/{user_id}/"


def secret_reference(expression: str) -> str | None:
    """The secret name a placeholder expression references, None when it is not a reference (plain JMESPath).
    A ValueError when it starts with `secrets` but is not `secrets.NAME`."""
    text = expression.strip()
    if not _REFERENCE.match(text):
        return None
    form = _REFERENCE_FORM.match(text)
    if form is None:
        raise ValueError(f"{REFERENCE_RULE} (got {{{{ {text[:80]} }}}})")
    return form.group(1)


def value_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None. The message never quotes the value."""
    if len(value) < 1:
        return "value must hold at least 1 character"
    if len(value) > MAX_SECRET_CHARS:
        return f"value holds {len(value)} characters; a secret holds at most {MAX_SECRET_CHARS}"
    size = len(value.encode("utf-8", errors="replace"))
    if size > MAX_SECRET_BYTES:
        return f"value is {size} bytes as UTF-8; a secret holds at most {MAX_SECRET_BYTES} bytes"
    return None


class SecretValue(BaseModel):
    """The body of PUT /api/secrets/{name}. Its length is checked by the service (`value_problem`), not here, so
    a refused value is never echoed back in a validation detail."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    # SecretStr: never shown by repr/str (a traceback, a log line).
    value: SecretStr = Field(
        description="The secret value (1..65,536 characters, at most 65,536 bytes as UTF-8); never returned",
        json_schema_extra={"minLength": 1, "maxLength": MAX_SECRET_CHARS},
    )


class SecretSummary(BaseModel):
    """One secret as listed: its name and when its value last changed. Never its value."""

    model_config = ConfigDict(defer_build=True)

    name: str
    updated_at: str = Field(description="When the value was last set (ISO-8601 UTC)")

    @classmethod
    def of(cls, name: str, updated_at: datetime) -> SecretSummary:
        moment = updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC)
        return cls(name=name, updated_at=moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
