"""The caller's executions: another user's execution is answered exactly as an unknown id is."""

from __future__ import annotations

from collections.abc import Sequence

from workflow_engine.data.executions import ExecutionRepository, UnprocessedKeysError
from workflow_engine.models.errors import ExecutionNotFound, ServiceUnavailableError
from workflow_engine.models.execution import ExecutionRecord


def owned(executions: ExecutionRepository, user_id: str, execution_id: str) -> ExecutionRecord:
    """The caller's execution (one GetItem), or ExecutionNotFound (404)."""
    record = executions.get(execution_id)
    if record is None or record.user_id != user_id:
        raise ExecutionNotFound()
    return record


def owned_batch(
    executions: ExecutionRepository, user_id: str, execution_ids: Sequence[str]
) -> dict[str, ExecutionRecord]:
    """The caller's executions among `execution_ids`, by id, in request order (one BatchGetItem per 100 ids)."""
    try:
        stored = executions.batch_get(execution_ids)
    except UnprocessedKeysError as error:
        raise ServiceUnavailableError("DynamoDB is throttling these reads; retry later") from error
    found = {execution_id: stored.get(execution_id) for execution_id in dict.fromkeys(execution_ids)}
    return {execution_id: record for execution_id, record in found.items() if record and record.user_id == user_id}
