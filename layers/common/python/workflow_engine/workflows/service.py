"""Workflows and their state machines: one Standard state machine per workflow, kept in step with it.

Creating a workflow creates and publishes its state machine; replacing it publishes a new version;
deleting it deletes the machine, all through the state machine gateway (data.state_machines: AWS errors become
domain errors there). Any Step Functions failure leaves nothing half-made and surfaces as ServiceUnavailableError
(503, safe to retry); a definition Step Functions refuses is DefinitionRejected (422).

Each workflow version is stored with the ARN of the state machine version published for it, in the same
conditional write, and executions start that version ARN (executions/launch.py), never the machine's latest
definition. So two concurrent replaces cannot leave executions running the loser's definition: the loser's
UpdateStateMachine does change the latest definition and publish a version, but no stored workflow version
points at it, and its conditional write fails (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workflow_engine.asl.names import ASL_REVISION
from workflow_engine.data.sfn_gateway import StepFunctionsError
from workflow_engine.data.state_machines import DefinitionInvalid, StateMachines
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.errors import (
    ConflictError,
    DefinitionRejected,
    InvalidRequestError,
    ServiceUnavailableError,
    WorkflowNotFound,
)
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.workflow import WorkflowDefinition, WorkflowRecord, WorkflowValidation
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import logger
from workflow_engine.platform.settings import ApiSettings
from workflow_engine.workflows.child_checks import ChildWorkflowChecks

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

    from workflow_engine.asl.compiler import CompileTarget


def compile_target(settings: ApiSettings) -> CompileTarget:
    from workflow_engine.asl.compiler import CompileTarget  # with the compiler (WorkflowService._compile)

    return CompileTarget(
        function_arns=settings.step_function_arns,
        executions_table=settings.executions_table,
        workflows_table=settings.workflows_table,
    )


# What else goes with a deleted workflow (user id, workflow id): its inbound webhook triggers (wired by the handler).
OnDelete = Callable[[str, str], None]


class WorkflowService:
    def __init__(
        self,
        repository: WorkflowRepository,
        sfn: SFNClient,
        settings: ApiSettings,
        on_delete: Sequence[OnDelete] = (),
    ) -> None:
        """`on_delete`: what a workflow's deletion removes first, each `(user_id, workflow_id)` (its schedules and
        its triggers)."""
        self._repository = repository
        self._on_delete = tuple(on_delete)
        self._machines = StateMachines(sfn, settings.states_role_arn, settings.state_machine_log_group_arn)
        self._settings = settings
        self._child_checks = ChildWorkflowChecks(repository)

    def _compile(self, workflow_id: str, user_id: str, steps: Sequence[Any]) -> str:
        """The state machine of `steps`: its definition, as the JSON text Step Functions takes."""
        # Imported by the first request that compiles (a save, a validate, a recompile): reads never load the compiler.
        from workflow_engine.asl.compiler import compile_workflow, definition_json

        return definition_json(compile_workflow(workflow_id, user_id, steps, compile_target(self._settings)))

    def create(self, user_id: str, definition: WorkflowDefinition) -> WorkflowRecord:
        self._child_checks.check(user_id, None, definition.name, definition.steps)
        notify_secret = self._notify_secret(definition)
        workflow_id = str(uuid.uuid4())
        now = utc_now()
        asl = self._compile(workflow_id, user_id, definition.steps)
        try:
            created = self._machines.create(f"{self._settings.state_machine_prefix}{workflow_id}", asl, "version 1")
        except StepFunctionsError as error:
            raise _service_error(error, workflow_id, "Could not create the workflow's state machine") from error
        record = WorkflowRecord(
            workflow_id=workflow_id,
            user_id=user_id,
            name=definition.name,
            description=definition.description,
            steps=definition.steps,
            version=1,
            state_machine_arn=created.arn,
            state_machine_version_arn=created.version_arn,
            asl_revision=ASL_REVISION,
            notify=definition.notify,
            notify_secret=notify_secret,
            input_example=definition.input_example,
            created_at=now,
            updated_at=now,
        )
        try:
            self._repository.create(record)
        except AWS_ERRORS as error:
            self._delete_machine(record.state_machine_arn)
            raise ServiceUnavailableError(f"Could not store the workflow: {error_code(error)}") from error
        return record

    def validate(self, user_id: str, definition: WorkflowDefinition) -> WorkflowValidation:
        """Every check `create` makes before it creates anything (child workflows, the notify url, the compiler's
        rules), and nothing stored: no item, no state machine, no secret."""
        self._child_checks.check(user_id, None, definition.name, definition.steps)
        self._vet_notify(definition)
        self._compile(str(uuid.UUID(int=0)), user_id, definition.steps)
        nodes = list(StepTree(definition.steps).walk())
        return WorkflowValidation(
            name=definition.name,
            step_count=len(nodes),
            top_level_steps=len(definition.steps),
            step_types=sorted({node.step.type for node in nodes}),
            has_input_example=definition.input_example is not None,
        )

    def _notify_secret(self, definition: WorkflowDefinition) -> str | None:
        """A new signing secret when the definition sets `notify` (its url vetted first), else None."""
        if definition.notify is None:
            return None
        from workflow_engine.notifications.webhooks import new_secret

        self._vet_notify(definition)
        return new_secret()

    def _vet_notify(self, definition: WorkflowDefinition) -> None:
        """InvalidRequestError (422) when the definition's notify url is one the SSRF guard refuses."""
        if definition.notify is None:
            return
        # Imported here: the SSRF guard brings urllib3, which only a workflow with `notify` needs (cold start).
        from workflow_engine.notifications.webhooks import UnsafeWebhookUrl, vet_url

        try:
            vet_url(
                definition.notify.webhook_url,
                tuple(self._settings.http_allowed_networks),
                tuple(self._settings.http_denied_endpoints),
            )
        except UnsafeWebhookUrl as error:
            raise InvalidRequestError(str(error)) from None

    def get(self, user_id: str, workflow_id: str) -> WorkflowRecord:
        record = self._repository.get(user_id, workflow_id)
        if record is None:
            raise WorkflowNotFound()
        return record

    def list(
        self, user_id: str, limit: int, offset: int, next_token: str | None
    ) -> tuple[list[WorkflowRecord], str | None]:
        return self._repository.list(user_id, limit=limit, offset=offset, next_token=next_token)

    def replace(self, user_id: str, workflow_id: str, definition: WorkflowDefinition) -> WorkflowRecord:
        notify_secret = self._notify_secret(definition)
        current = self.get(user_id, workflow_id)
        self._child_checks.check(user_id, workflow_id, definition.name, definition.steps)
        version = current.version + 1
        asl = self._compile(workflow_id, user_id, definition.steps)
        try:
            version_arn = self._machines.publish(current.state_machine_arn, asl, f"version {version}")
        except StepFunctionsError as error:
            raise _service_error(error, workflow_id, "Could not update the workflow's state machine") from error
        record = current.model_copy(
            update={
                "name": definition.name,
                "description": definition.description,
                "steps": definition.steps,
                "version": version,
                "state_machine_version_arn": version_arn,  # what executions of it start
                "asl_revision": ASL_REVISION,
                "notify": definition.notify,
                "notify_secret": notify_secret,
                "input_example": definition.input_example,
                "updated_at": utc_now(),
            }
        )
        if not self._repository.replace(record, expected_version=current.version):
            raise ConflictError("The workflow was changed by another request; read it again and retry")
        return record

    def recompile(self, record: WorkflowRecord) -> WorkflowRecord:
        """`record` with a state machine version compiled by this compiler: a workflow saved by an older one
        (`asl_revision` below ASL_REVISION) gets its same steps compiled again and published as a new machine
        version, at the same workflow version, so what runs is what this compiler emits (e.g. configs as JSON
        text, never evaluated). A concurrent replace wins: its record (compiled by this compiler) is returned."""
        if record.asl_revision >= ASL_REVISION:
            return record
        asl = self._compile(record.workflow_id, record.user_id, record.steps)
        try:
            version_arn = self._machines.publish(
                record.state_machine_arn,
                asl,
                f"version {record.version} (recompiled, revision {ASL_REVISION})",
            )
        except StepFunctionsError as error:
            raise _service_error(
                error, record.workflow_id, "Could not recompile the workflow's state machine"
            ) from error
        current = record.model_copy(update={"state_machine_version_arn": version_arn, "asl_revision": ASL_REVISION})
        if self._repository.replace(current, expected_version=record.version):
            logger.info("Recompiled a workflow saved by an older compiler", workflow_id=record.workflow_id)
            return current
        return self.get(record.user_id, record.workflow_id)

    def delete(self, user_id: str, workflow_id: str) -> None:
        record = self.get(user_id, workflow_id)
        for delete_dependents in self._on_delete:  # first: a failure leaves the workflow, and a retry finishes
            delete_dependents(user_id, workflow_id)
        self._delete_machine(record.state_machine_arn)
        self._repository.delete(user_id, workflow_id)

    def _delete_machine(self, arn: str) -> None:
        try:
            self._machines.delete(arn)
        except StepFunctionsError as error:
            raise ServiceUnavailableError(f"Could not delete the state machine: {error.code}") from error


def _service_error(error: StepFunctionsError, workflow_id: str, what: str) -> Exception:
    """A refused definition is the compiler's or the definition's fault, not a passing failure: say what Step
    Functions said (422) and log it whole, so the compiler can be fixed. Anything else is a 503 (safe to retry)."""
    if isinstance(error, DefinitionInvalid):
        logger.error(
            "Step Functions refused a compiled definition", workflow_id=workflow_id, diagnostic=error.diagnostic
        )
        return DefinitionRejected(error.diagnostic)
    return ServiceUnavailableError(f"{what}: {error.code}")
