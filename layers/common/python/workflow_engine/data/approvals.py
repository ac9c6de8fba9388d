"""Approval waits on the executions table: the `approvals` map of an execution item, keyed by step name.

    approvals: {"<step name>": {"token", "message", "since", "expires_at", "attempt", "parent_step"?}}

The task token lives only here: `ExecutionRecord` reads the map without it (models.approvals.ApprovalWait), and
the one read that returns it is `claim`, the conditional REMOVE a decision makes (ReturnValues ALL_OLD): of two
decisions, a decision and a cancel, or a decision and the engine's terminal write (which removes the whole map:
asl.engine_states, data.executions.transition), exactly one finds the wait. The table is encrypted at rest with
its KMS key (infra.constructs.data: AWS managed), as every item is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from workflow_engine.data.codec import from_item, to_item
from workflow_engine.models.approvals import ApprovalWait
from workflow_engine.models.lifecycle import ACTIVE, ExecutionStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

APPROVALS = "approvals"  # the execution item's attribute
CONDITION_FAILED = "ConditionalCheckFailedException"
INVALID_PATH = "ValidationException"  # SET approvals.#step on an item without the map


@dataclass(frozen=True)
class HeldWait:
    """A stored wait with its token (only the data layer and the decision use case ever hold one)."""

    token: str
    wait: ApprovalWait

    def item(self) -> dict[str, Any]:
        return {"token": self.token, **self.wait.model_dump(exclude_none=True)}


@dataclass(frozen=True)
class ClaimRefused:
    """Why a claim found nothing: the execution's stored status and the wait as stored (None: not waiting)."""

    status: ExecutionStatus | None
    wait: ApprovalWait | None


class ApprovalRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def hold(self, execution_id: str, step_name: str, held: HeldWait) -> bool:
        """Store the wait while the execution is active (False: it is not, so nothing is stored)."""
        active = {f":active{i}": {"S": status.value} for i, status in enumerate(sorted(ACTIVE))}
        condition = f"#status IN ({', '.join(active)})"
        value = to_item({"v": held.item()})["v"]
        names = {"#approvals": APPROVALS, "#step": step_name, "#status": "status"}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"execution_id": execution_id}),
                UpdateExpression="SET #approvals.#step = :wait",
                ConditionExpression=f"attribute_exists(#approvals) AND {condition}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":wait": value, **active},
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] not in (CONDITION_FAILED, INVALID_PATH):
                raise
        # No map yet (an item written before approvals existed, or whose map a terminal write removed).
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"execution_id": execution_id}),
                UpdateExpression="SET #approvals = :map",
                ConditionExpression=f"attribute_not_exists(#approvals) AND {condition}",
                ExpressionAttributeNames={"#approvals": APPROVALS, "#status": "status"},
                ExpressionAttributeValues={":map": {"M": {step_name: value}}, **active},
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return False

    def claim(self, execution_id: str, step_name: str, now: str) -> HeldWait | ClaimRefused:
        """Take the step's wait (its token) for one decision: a conditional REMOVE, so exactly one caller gets it,
        and only while the execution runs and the wait is not past its timeout (`now`, ISO-8601 UTC)."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item({"execution_id": execution_id}),
                UpdateExpression="REMOVE #approvals.#step",
                ConditionExpression="attribute_exists(#approvals.#step) AND #approvals.#step.#expires > :now "
                "AND #status = :running",
                ExpressionAttributeNames={
                    "#approvals": APPROVALS,
                    "#step": step_name,
                    "#expires": "expires_at",
                    "#status": "status",
                },
                ExpressionAttributeValues={":now": {"S": now}, ":running": {"S": ExecutionStatus.RUNNING.value}},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            item = error.response.get("Item")
            return _refused(item if isinstance(item, dict) else {}, step_name)
        stored = from_item(response["Attributes"])[APPROVALS][step_name]
        return HeldWait(token=stored["token"], wait=ApprovalWait.model_validate(stored))

    def restore(self, execution_id: str, step_name: str, held: HeldWait) -> bool:
        """Put back a claimed wait whose decision could not be sent (a Step Functions fault): only while the
        execution runs and nothing else took its place."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"execution_id": execution_id}),
                UpdateExpression="SET #approvals.#step = :wait",
                ConditionExpression="attribute_exists(#approvals) AND attribute_not_exists(#approvals.#step) "
                "AND #status = :running",
                ExpressionAttributeNames={"#approvals": APPROVALS, "#step": step_name, "#status": "status"},
                ExpressionAttributeValues={
                    ":wait": to_item({"v": held.item()})["v"],
                    ":running": {"S": ExecutionStatus.RUNNING.value},
                },
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] not in (CONDITION_FAILED, INVALID_PATH):
                raise
            return False


def _refused(item: dict[str, Any], step_name: str) -> ClaimRefused:
    if not item:
        return ClaimRefused(status=None, wait=None)
    values = from_item(item)
    stored = (values.get(APPROVALS) or {}).get(step_name)
    status = values.get("status")
    return ClaimRefused(
        status=ExecutionStatus(status) if status else None,
        wait=ApprovalWait.model_validate(stored) if stored else None,
    )


def started_waiting(
    old_image: dict[str, Any] | None, new_image: dict[str, Any] | None
) -> list[tuple[str, ApprovalWait]]:
    """The waits a stream record of the executions table starts (step name, wait; never the token): those in the
    new image that the old one had not, or had from an earlier attempt, while the execution is active."""
    if not new_image or (new_image.get("status") or {}).get("S") not in {status.value for status in ACTIVE}:
        return []
    new = _waits(new_image)
    old = _waits(old_image or {})
    return [
        (name, wait)
        for name, wait in new.items()
        if name not in old or (old[name].attempt, old[name].since) != (wait.attempt, wait.since)
    ]


def _waits(image: dict[str, Any]) -> dict[str, ApprovalWait]:
    stored = (image.get(APPROVALS) or {}).get("M") or {}
    return {name: ApprovalWait.model_validate(from_item(value.get("M") or {})) for name, value in stored.items()}
