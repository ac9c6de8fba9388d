"""Reliability set-up: one local stack per test session, started as `make local` starts it but through
tests/reliability/fault_stack.py (the same LocalStack plus a fault injector driven over HTTP).

Modules that use it carry `pytestmark = pytest.mark.xdist_group("reliability")`, so under
`pytest -n 2 --dist loadgroup` they share one worker and therefore one stack.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.catalog import REPO_ROOT, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local.signin import sign_in

TERMINAL = ("completed", "failed", "cancelled", "timed_out")
PASSWORD = EXAMPLE_PASSWORD  # the documented example; it satisfies the deployed password policy
# A non-terminal execution not updated for this long is read-repaired on GET (30 s in the cloud stack).
STALE_AFTER_SECONDS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def rstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    directory = tmp_path_factory.mktemp("reliability-stack")
    outputs_file = directory / "outputs.json"
    env = {
        **os.environ,
        "API_PORT": str(free_port()),
        "AWS_PORT": str(free_port()),
        "CONTROL_PORT": str(free_port()),
        "OUTPUTS_FILE": str(outputs_file),
        "STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
        "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
    }
    log_path = directory / "stack.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.fault_stack"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.monotonic()
        while not outputs_file.exists():
            if process.poll() is not None or time.monotonic() - started > 90:
                process.kill()
                raise RuntimeError(f"reliability stack did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        outputs = json.loads(outputs_file.read_text())[STACK_NAME]
        outputs["LogFile"] = str(log_path)
        yield outputs
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Client:
    """HTTP client of the API as one user (or none)."""

    def __init__(self, stack: dict[str, Any], token: str | None = None) -> None:
        self.base = stack["ApiUrl"].rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def create_workflow(self, steps: list[dict[str, Any]], name: str = "wf") -> dict[str, Any]:
        response = self.post("/api/workflows", json={"name": name, "steps": steps})
        assert response.status_code == 201, response.text
        return response.json()

    def execute(self, workflow_id: str, input_data: Any = None, **kwargs: Any) -> requests.Response:
        return self.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data}, **kwargs)

    def status(self, execution_id: str) -> dict[str, Any]:
        response = self.get(f"/api/workflows/executions/{execution_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def logs(self, execution_id: str, query: str = "") -> list[dict[str, Any]]:
        response = self.get(f"/api/workflows/executions/{execution_id}/logs{query}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_terminal(self, execution_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.status(execution_id)
            if body["status"] in TERMINAL:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"execution {execution_id} still {body['status']} after {timeout}s")
            time.sleep(0.1)

    def wait_status(self, execution_id: str, wanted: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.status(execution_id)
            if body["status"] == wanted:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"execution {execution_id} is {body['status']}, not {wanted}")
            time.sleep(0.05)


def new_user(stack: dict[str, Any], who: str) -> dict[str, str]:
    username = f"{who}-{uuid.uuid4().hex[:8]}"
    return {
        "username": username,
        "id": sign_in(stack, username, PASSWORD, "IdToken"),
        "access": sign_in(stack, username, PASSWORD, "AccessToken"),
    }


@pytest.fixture(scope="session")
def rtokens(rstack: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {who: new_user(rstack, who) for who in ("alice", "bob")}


@pytest.fixture(scope="session")
def alice(rstack: dict[str, Any], rtokens: dict[str, dict[str, str]]) -> Client:
    return Client(rstack, rtokens["alice"]["id"])


@pytest.fixture(scope="session")
def bob(rstack: dict[str, Any], rtokens: dict[str, dict[str, str]]) -> Client:
    return Client(rstack, rtokens["bob"]["id"])


def aws_client(stack: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        region_name=stack["Region"],
        endpoint_url=stack["AwsEndpointUrl"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (the local stack's placeholder credentials)
    )


class Faults:
    """The fault injector of the reliability stack (see fault_stack.py)."""

    def __init__(self, stack: dict[str, Any]) -> None:
        self.url = stack["ControlUrl"] + "/faults"

    def inject(self, **spec: Any) -> str:
        response = requests.post(self.url, json=spec, timeout=10)
        response.raise_for_status()
        return response.json()["id"]

    def state(self) -> dict[str, Any]:
        return requests.get(self.url, timeout=10).json()

    def fired(self, fault_id: str) -> int:
        return self.state()["fired"][fault_id]

    def clear(self) -> None:
        requests.delete(self.url, timeout=10).raise_for_status()


@pytest.fixture
def faults(rstack: dict[str, Any]) -> Iterator[Faults]:
    injector = Faults(rstack)
    injector.clear()
    yield injector
    state = injector.state()
    injector.clear()
    assert not state["tripwire"], f"connections to non-loopback addresses were attempted: {state['tripwire']}"


def table_names(stack: dict[str, Any]) -> dict[str, str]:
    prefix = "workflow-engine-local-"
    return {name[len(prefix) :]: name for name in aws_client(stack, "dynamodb").list_tables()["TableNames"]}


def repo_file(*parts: str) -> Path:
    return REPO_ROOT.joinpath(*parts)
