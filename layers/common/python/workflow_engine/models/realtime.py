"""The real-time channel's messages (WebSocket): what clients send and what the server pushes.

`execution` messages carry the API's ExecutionStatusResponse and `log` messages its ExecutionLogResponse, so
one schema serves the HTTP API and the channel.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflow_engine.models.execution import ExecutionLogResponse, ExecutionStatusResponse

ALL = "all"


class SubscriptionRequest(BaseModel):
    """`{"action": "subscribe"|"unsubscribe", "execution_id"?: uuid, "workflow_id"?: uuid}`; neither id: all
    of the caller's executions."""

    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    action: Literal["subscribe", "unsubscribe"]
    execution_id: UUID | None = None
    workflow_id: UUID | None = None

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionRequest:
        if self.execution_id is not None and self.workflow_id is not None:
            raise ValueError("give execution_id or workflow_id, not both")
        return self

    @property
    def key(self) -> str:
        """The subscription as stored on the connection: execution:<id>, workflow:<id> or all."""
        if self.execution_id is not None:
            return f"execution:{self.execution_id}"
        if self.workflow_id is not None:
            return f"workflow:{self.workflow_id}"
        return ALL

    def target(self) -> dict[str, str]:
        if self.execution_id is not None:
            return {"execution_id": str(self.execution_id)}
        if self.workflow_id is not None:
            return {"workflow_id": str(self.workflow_id)}
        return {}


def subscription_keys(execution_id: str, workflow_id: str) -> set[str]:
    """Every subscription that matches an event of this execution."""
    return {ALL, f"execution:{execution_id}", f"workflow:{workflow_id}"}


class SubscriptionReply(BaseModel):
    model_config = ConfigDict(defer_build=True)

    type: Literal["subscribed", "unsubscribed"]
    execution_id: UUID | None = None
    workflow_id: UUID | None = None


class RealtimeErrorMessage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    type: Literal["error"]
    message: str


class ExecutionMessage(BaseModel):
    """Pushed on every status change of one of the subscribed executions (`truncated` only when true)."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["execution"]
    execution: ExecutionStatusResponse
    truncated: bool = Field(
        default=False,
        description="True when input_data and output_data were left out to fit a WebSocket message (128 KB); "
        "GET /api/workflows/executions/{id} has them",
    )


class LogMessage(BaseModel):
    """Pushed for every new step log item of one of the subscribed executions (`truncated` only when true)."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["log"]
    execution_id: UUID
    log: ExecutionLogResponse
    truncated: bool = Field(
        default=False,
        description="True when the log's input_data and output_data were left out to fit a WebSocket message "
        "(128 KB); GET /api/workflows/executions/{id}/logs has them",
    )


class ApprovalMessage(BaseModel):
    """Pushed when an approval step of one of the subscribed executions starts waiting for a decision."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["approval"]
    execution_id: UUID
    step_name: str
    message: str


CLIENT_MESSAGES = (SubscriptionRequest,)
SERVER_MESSAGES = (SubscriptionReply, RealtimeErrorMessage, ExecutionMessage, LogMessage, ApprovalMessage)
