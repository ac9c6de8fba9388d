"""Webhook deliveries of an execution's terminal status, as stored and as GET .../notifications shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["in_progress", "delivered", "failed"]


class DeliveryAttempt(BaseModel):
    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(defer_build=True)

    attempt: int = Field(ge=1)
    time: datetime
    status_code: int | None = None  # the receiver's HTTP status, when it answered
    error: str | None = None  # why the attempt failed (HTTP status, time-out, refused address...)


class DeliveryRecord(BaseModel):
    """One delivery (one terminal outcome of one execution to one url) with every attempt made for it."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    delivery_id: str
    execution_id: str
    user_id: str
    workflow_id: str
    webhook_url: str
    event_status: str  # the execution status that was notified
    outcome: Outcome = "in_progress"
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    created_at: str
    updated_at: str


class DeliveryResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    delivery_id: str
    webhook_url: str
    event_status: str
    outcome: Outcome
    attempts: list[DeliveryAttempt]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: DeliveryRecord) -> DeliveryResponse:
        return cls.model_validate(record.model_dump())
