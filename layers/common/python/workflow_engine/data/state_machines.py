"""Step Functions state machines, as the workflow service sees them: create, publish a version, delete.

Like the execution gateway (data.sfn_gateway), it turns the SDK's errors into domain errors once: the service never
reads an AWS error code. Every machine is a Standard one with X-Ray tracing, and every change publishes a version
(executions start the version recorded with the workflow version: workflows/service.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflow_engine.data.sfn_gateway import StepFunctionsError
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code

if TYPE_CHECKING:
    from botocore.exceptions import BotoCoreError, ClientError
    from mypy_boto3_stepfunctions import SFNClient


class DefinitionInvalid(StepFunctionsError):
    """Step Functions refused the definition (InvalidDefinition): `diagnostic` is what it said."""

    def __init__(self, diagnostic: str) -> None:
        super().__init__("InvalidDefinition")
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class PublishedMachine:
    arn: str
    version_arn: str  # the version published with it


def _domain_error(error: ClientError | BotoCoreError) -> StepFunctionsError:
    code = error_code(error)
    if code == "InvalidDefinition":
        response = getattr(error, "response", {})
        return DefinitionInvalid(str(response.get("Error", {}).get("Message", code)))
    return StepFunctionsError(code)


class StateMachines:
    """Standard state machines over a boto3 Step Functions client."""

    def __init__(self, sfn: SFNClient, role_arn: str, log_group_arn: str) -> None:
        self._sfn = sfn
        self._role_arn = role_arn
        self._log_group_arn = log_group_arn

    def create(self, name: str, definition: str, description: str) -> PublishedMachine:
        """A new machine, its first version published. Its logs: errors only, without execution data."""
        try:
            created = self._sfn.create_state_machine(
                name=name,
                definition=definition,
                roleArn=self._role_arn,
                type="STANDARD",
                publish=True,
                versionDescription=description,
                tracingConfiguration={"enabled": True},
                loggingConfiguration={
                    "level": "ERROR",
                    "includeExecutionData": False,
                    "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": self._log_group_arn}}],
                },
            )
        except AWS_ERRORS as error:
            raise _domain_error(error) from error
        return PublishedMachine(created["stateMachineArn"], created["stateMachineVersionArn"])  # published: present

    def publish(self, arn: str, definition: str, description: str) -> str:
        """Replace the machine's definition and publish it as a version: that version's ARN."""
        try:
            updated = self._sfn.update_state_machine(
                stateMachineArn=arn, definition=definition, publish=True, versionDescription=description
            )
        except AWS_ERRORS as error:
            raise _domain_error(error) from error
        return updated["stateMachineVersionArn"]

    def delete(self, arn: str) -> None:
        """Delete the machine (and its versions); one that is already gone is fine."""
        try:
            self._sfn.delete_state_machine(stateMachineArn=arn)
        except AWS_ERRORS as error:
            if error_code(error) != "StateMachineDoesNotExist":
                raise _domain_error(error) from error
