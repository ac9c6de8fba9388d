"""Two concurrent replaces of one workflow: whatever the interleaving, an execution runs the definition the API
shows for the version it records (moto executes the real state machines).

The local gateway runs one API invocation at a time, so the race is staged here: replace A reads version 1,
then waits (a barrier on its UpdateStateMachine call) while replace B goes through the handler; A then updates
the state machine and loses the conditional write (409).
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

import boto3

from tests.integration.conftest import wait_terminal
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.errors import ConflictError
from workflow_engine.models.workflow import WorkflowDefinition
from workflow_engine.workflows.service import WorkflowService


def _definition(name: str, expression: str) -> dict[str, Any]:
    return {"name": name, "steps": [{"name": "Answer", "type": "transform", "config": {"expression": expression}}]}


class _HeldUpdates:
    """A Step Functions client whose UpdateStateMachine waits for `release` (after announcing it on `reached`)."""

    def __init__(self, sfn: Any) -> None:
        self._sfn = sfn
        self.reached = threading.Event()
        self.release = threading.Event()

    def update_state_machine(self, **kwargs: Any) -> Any:
        self.reached.set()
        assert self.release.wait(30), "the test never released the held update"
        return self._sfn.update_state_machine(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sfn, name)


def test_the_losing_replace_never_changes_what_executions_run(api, resources):
    status, workflow, _ = api.call("POST", "/api/workflows", _definition("race", "'original'"))
    assert status == 201, workflow
    settings = importlib.import_module("api.workflows").settings
    held = _HeldUpdates(boto3.client("stepfunctions", region_name=resources.region))
    service_a = WorkflowService(
        WorkflowRepository(boto3.client("dynamodb", region_name=resources.region), settings.workflows_table),
        held,  # type: ignore[arg-type]
        settings,
    )
    outcome: list[BaseException | None] = []

    def replace_a() -> None:
        try:
            service_a.replace(api.user_id, workflow["id"], WorkflowDefinition.model_validate(_definition("A", "'A'")))
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    thread = threading.Thread(target=replace_a)
    thread.start()
    assert held.reached.wait(30), "replace A never reached UpdateStateMachine"
    status, replaced_b, _ = api.call("PUT", f"/api/workflows/{workflow['id']}", _definition("B", "'B'"))
    assert status == 200 and replaced_b["version"] == 2, replaced_b
    held.release.set()
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome

    status, shown, _ = api.call("GET", f"/api/workflows/{workflow['id']}")
    assert (shown["version"], shown["name"], shown["steps"][0]["config"]["expression"]) == (2, "B", "'B'")
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {}})
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert (final["status"], final["workflow_version"], final["output_data"]) == ("completed", 2, "B")
