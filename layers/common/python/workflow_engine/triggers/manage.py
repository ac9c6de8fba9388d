"""Managing a workflow's inbound webhook triggers: create (the secret answered once), list, get, delete.

A trigger is the caller's and its workflow's: another user's, or another workflow's, is 404 (never 403). A
workflow holds at most `max_per_workflow` triggers (409 past it). Deleting a workflow deletes its triggers
(`delete_workflow_triggers`, called by the workflow delete use case); their delivery and rate items expire by TTL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from workflow_engine.data.trigger_secrets import TriggerSecretBox
from workflow_engine.data.triggers import TriggerRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.errors import ConflictError, TriggerNotFound, WorkflowNotFound
from workflow_engine.models.triggers import HOOK_PATH_PREFIX, TriggerCreated, TriggerRecord, TriggerSummary
from workflow_engine.platform.settings import MOST_TRIGGERS_PER_WORKFLOW
from workflow_engine.triggers.signature import new_secret


def hook_url(base_url: str, trigger_id: str) -> str:
    """Where a trigger is called: under the API's origin (`base_url`, without a trailing slash)."""
    return f"{base_url.rstrip('/')}{HOOK_PATH_PREFIX}{trigger_id}"


def summary(record: TriggerRecord, base_url: str) -> TriggerSummary:
    return TriggerSummary(
        id=uuid.UUID(record.trigger_id),
        workflow_id=uuid.UUID(record.workflow_id),
        url=hook_url(base_url, record.trigger_id),
        created_at=record.created_at,
    )


class TriggerService:
    def __init__(
        self,
        workflows: WorkflowRepository,
        triggers: TriggerRepository,
        secrets: TriggerSecretBox,
        max_per_workflow: int,
    ) -> None:
        self._workflows = workflows
        self._triggers = triggers
        self._secrets = secrets
        self._max_per_workflow = max_per_workflow

    def create(self, user_id: str, workflow_id: str, base_url: str) -> TriggerCreated:
        self._workflow(user_id, workflow_id)
        if len(self._triggers.list_for_workflow(user_id, workflow_id, self._max_per_workflow)) >= (
            self._max_per_workflow
        ):
            raise ConflictError(
                f"A workflow has at most {self._max_per_workflow} triggers; delete one before adding another"
            )
        trigger_id = str(uuid.uuid4())
        secret = new_secret()
        record = TriggerRecord(
            trigger_id=trigger_id,
            user_id=user_id,
            workflow_id=workflow_id,
            created_at=datetime.now(UTC),
            secret_ciphertext=self._secrets.seal(trigger_id, secret),
        )
        self._triggers.create(record)
        return TriggerCreated(**summary(record, base_url).model_dump(), secret=secret)

    def list(self, user_id: str, workflow_id: str, base_url: str) -> list[TriggerSummary]:
        self._workflow(user_id, workflow_id)
        records = self._triggers.list_for_workflow(user_id, workflow_id, self._max_per_workflow)
        return [summary(record, base_url) for record in records]

    def get(self, user_id: str, workflow_id: str, trigger_id: str, base_url: str) -> TriggerSummary:
        record = self._triggers.get(trigger_id)
        if record is None or (record.user_id, record.workflow_id) != (user_id, workflow_id):
            raise TriggerNotFound()
        return summary(record, base_url)

    def delete(self, user_id: str, workflow_id: str, trigger_id: str) -> None:
        if not self._triggers.delete(user_id, workflow_id, trigger_id):
            raise TriggerNotFound()

    def _workflow(self, user_id: str, workflow_id: str) -> None:
        if self._workflows.get(user_id, workflow_id) is None:
            raise WorkflowNotFound()


def delete_workflow_triggers(triggers: TriggerRepository, user_id: str, workflow_id: str) -> None:
    """Delete every trigger of the workflow, which is being deleted (workflow_engine's caller: the workflow API's
    api.workflow_dependents). One query reads them all: no workflow holds more than the highest cap."""
    for record in triggers.list_for_workflow(user_id, workflow_id, MOST_TRIGGERS_PER_WORKFLOW):
        triggers.delete(user_id, workflow_id, record.trigger_id)
