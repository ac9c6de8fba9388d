"""Inbound webhook triggers (DESIGN "Triggers"): what the API stores, answers and verifies.

A trigger belongs to one workflow of one user. Its secret is made once, answered once (`TriggerCreated`) and kept
only encrypted (data.trigger_secrets); listings (`TriggerSummary`) never carry it. An inbound call is signed with
it: `X-Signature-256: sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<raw body>">` (triggers.signature).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# Where inbound calls go (infra.catalog.ROUTES declares the route; the URL answered is built from it).
HOOK_PATH_PREFIX = "/api/hooks/"
SIGNATURE_HEADER = "X-Signature-256"
TIMESTAMP_HEADER = "X-Timestamp"
DELIVERY_HEADER = "X-Delivery-Id"
SIGNATURE_SCHEME = "sha256="
# A timestamp further than this from the receiver's clock (either way) is refused: 401.
CLOCK_TOLERANCE_SECONDS = 300
MAX_DELIVERY_ID_LENGTH = 128


class TriggerRecord(BaseModel):
    """A stored trigger (the secret only as its ciphertext)."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(defer_build=True)

    trigger_id: str
    user_id: str
    workflow_id: str
    created_at: datetime
    secret_ciphertext: bytes


class TriggerSummary(BaseModel):
    """A trigger as listed: never its secret."""

    model_config = ConfigDict(defer_build=True)

    id: UUID
    workflow_id: UUID
    url: str = Field(description="POST signed JSON here (no token): README 'Inbound webhooks'")
    created_at: datetime


class TriggerCreated(TriggerSummary):
    """The answer to a create: the only time the secret is ever shown."""

    secret: str = Field(description="The HMAC key of the signatures: shown once, never again")
