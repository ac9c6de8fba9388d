"""`make local` stopped and started again keeps its data (issue 27): users and their tokens, workflows with their
state machines and versions, runs and their logs, secrets; a run waiting at shutdown ends `failed`, interrupted by
the restart; `--reset` starts empty. Each stack here is `python -m infra.local` on its own data directory (a
temporary one: nothing is left under .local/)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from infra.catalog import REPO_ROOT, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local.persistence import SNAPSHOT_FILE
from infra.local.provision import STATE_MACHINE_PREFIX
from infra.local.restart import INTERRUPTED
from infra.local.signin import sign_in
from tests.e2e.conftest import Client, _free_port

pytestmark = pytest.mark.xdist_group("e2e")

GREET = [
    {"name": "Greet", "type": "transform", "config": {"expression": "{greeting: join(' ', ['Hello', input.who])}"}}
]
ASK = [{"name": "Ask", "type": "ai", "config": {"prompt": "Use {{ secrets.CANARY }} for", "model_id": "restart.model"}}]
SIGN_OFF = [
    {"name": "Sign off", "type": "approval", "config": {"message": "Go?", "timeout_seconds": 3600}},
    {"name": "After", "type": "transform", "config": {"expression": "input"}},
]


@contextmanager
def local_stack(directory: Path, ports: dict[str, str], *arguments: str) -> Iterator[tuple[dict, Path]]:
    """`python -m infra.local` on `directory`'s data, until the block ends (then Ctrl-C, as a person stops it)."""
    outputs_file = directory / "outputs.json"
    outputs_file.unlink(missing_ok=True)
    log_path = directory / f"stack-{uuid.uuid4().hex[:6]}.log"
    env = {
        **os.environ,
        **ports,
        "OUTPUTS_FILE": str(outputs_file),
        "LOCAL_STATE_DIR": str(directory / "state"),
        "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", *arguments],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            started = time.monotonic()
            while not outputs_file.exists():
                if process.poll() is not None or time.monotonic() - started > 90:
                    raise RuntimeError(f"local stack did not start: {log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            yield json.loads(outputs_file.read_text())[STACK_NAME], log_path
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0, log_path.read_text()[-3000:]


def _run(client: Client, workflow_id: str, input_data: dict) -> str:
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data})
    assert response.status_code == 202, response.text
    return response.json()["execution_id"]


def _create(client: Client, name: str, steps: list[dict]) -> dict:
    response = client.post("/api/workflows", json={"name": name, "steps": steps})
    assert response.status_code == 201, response.text
    return response.json()


def _waiting(client: Client, execution_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/workflows/executions/{execution_id}").json()
        if body["waiting_for"]:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def _state_machines(outputs: dict) -> dict[str, str]:
    """The workflows' state machines: each one's name and the definition of its published version 1."""
    states = boto3.client(
        "stepfunctions",
        region_name=outputs["Region"],
        endpoint_url=outputs["AwsEndpointUrl"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return {
        machine["name"]: states.describe_state_machine(stateMachineArn=f"{machine['stateMachineArn']}:1")["definition"]
        for machine in states.list_state_machines()["stateMachines"]
        if machine["name"].startswith(STATE_MACHINE_PREFIX)
    }


def test_the_data_survives_a_restart_and_waiting_runs_end_interrupted(tmp_path: Path) -> None:
    ports = {name: str(_free_port()) for name in ("API_PORT", "AWS_PORT", "WS_PORT")}
    user = f"carol-{uuid.uuid4().hex[:6]}"
    with local_stack(tmp_path, ports) as (outputs, _):
        token = sign_in(outputs, user, EXAMPLE_PASSWORD)
        carol = Client(outputs, token)
        greet = _create(carol, "greet", GREET)
        done = carol.wait_terminal(_run(carol, greet["id"], {"who": "Ada"}))
        assert done["status"] == "completed", done
        logs_before = carol.get(f"/api/workflows/executions/{done['id']}/logs").json()
        assert [log["step_name"] for log in logs_before] == ["Greet"]
        assert carol.request("PUT", "/api/secrets/CANARY", json={"value": "s3cret-value"}).status_code == 204
        ask = _create(carol, "ask", ASK)
        sign_off = _create(carol, "sign off", SIGN_OFF)
        waiting = _waiting(carol, _run(carol, sign_off["id"], {"n": 1}))
        assert waiting["status"] == "running"
        machines_before = _state_machines(outputs)
        pool_before = outputs["UserPoolId"]
    assert (tmp_path / "state" / SNAPSHOT_FILE).exists()

    with local_stack(tmp_path, ports) as (outputs, _):
        assert outputs["UserPoolId"] == pool_before
        carol = Client(outputs, token)  # signed in before the restart: the token still works
        assert {workflow["name"] for workflow in carol.get("/api/workflows").json()} == {"greet", "ask", "sign off"}
        assert carol.get(f"/api/workflows/{greet['id']}").json()["version"] == 1
        assert _state_machines(outputs) == machines_before and len(machines_before) >= 3
        assert carol.get(f"/api/workflows/executions/{done['id']}").json() == done
        assert carol.get(f"/api/workflows/executions/{done['id']}/logs").json() == logs_before

        interrupted = carol.get(f"/api/workflows/executions/{waiting['id']}").json()
        assert (interrupted["status"], interrupted["error_message"]) == ("failed", INTERRUPTED)
        assert interrupted["waiting_for"] == []

        again = carol.wait_terminal(_run(carol, greet["id"], {"who": "Grace"}))
        assert (again["status"], again["output_data"]) == ("completed", {"greeting": "Hello Grace"})
        asked = carol.wait_terminal(_run(carol, ask["id"], {}))  # the secret resolves (a missing one fails the step)
        assert (asked["status"], asked["output_data"]["text"]) == (
            "completed",
            "[local-bedrock model=restart.model] Use *** for",
        )
        assert Client(outputs, sign_in(outputs, user, EXAMPLE_PASSWORD)).get("/api/workflows").status_code == 200

    with local_stack(tmp_path, ports, "--reset") as (outputs, _):
        assert outputs["UserPoolId"] != pool_before
        assert Client(outputs, token).get("/api/workflows").status_code == 401
        dave = Client(outputs, sign_in(outputs, f"dave-{uuid.uuid4().hex[:6]}", EXAMPLE_PASSWORD))
        assert dave.get("/api/workflows").json() == []
        assert _state_machines(outputs) == {}


def test_a_failed_run_is_one_line_of_the_stack_output_without_a_traceback(tmp_path: Path) -> None:
    ports = {name: str(_free_port()) for name in ("API_PORT", "AWS_PORT", "WS_PORT")}
    with local_stack(tmp_path, ports) as (outputs, log_path):
        erin = Client(outputs, sign_in(outputs, f"erin-{uuid.uuid4().hex[:6]}", EXAMPLE_PASSWORD))
        boom = _create(erin, "boom", [{"name": "Boom", "type": "transform", "config": {"expression": "abs(input.x)"}}])
        failed = erin.wait_terminal(_run(erin, boom["id"], {"x": "not a number"}))
        assert failed["status"] == "failed" and "abs()" in failed["error_message"]
        expected = f"✗ run {failed['id']} of 'boom' ({boom['id']}) failed: {failed['error_message']}"
        deadline = time.monotonic() + 30
        while expected not in log_path.read_text():  # the line comes with Step Functions' status-change event
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.1)
    output = log_path.read_text()
    assert [line for line in output.splitlines() if failed["id"] in line] == [expected]
    assert "Traceback" not in output and "Exception=" not in output and "moto" not in output, output
