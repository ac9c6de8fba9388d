"""End-to-end set-up: a stack named by an outputs file (E2E_OUTPUTS_FILE), or a fresh local stack.

Without E2E_OUTPUTS_FILE, the local stack is started as `make local` starts it (python -m infra.local) on
free ports, and stopped at the end. Users sign up and sign in through the standard Cognito APIs.
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
from pathlib import Path

import pytest
import requests

from infra.catalog import REPO_ROOT, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local.signin import sign_in
from tests.e2e.wfe_cli import new_wfe_user, wfe, wfe_outputs  # noqa: F401 (fixtures of the `wfe` CLI tests)

pytestmark = pytest.mark.xdist_group("e2e")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    named = os.environ.get("E2E_OUTPUTS_FILE")
    if named:
        yield json.loads(Path(named).read_text())[STACK_NAME]
        return
    outputs_file = tmp_path_factory.mktemp("stack") / "outputs.json"
    env = {
        **os.environ,
        "API_PORT": str(_free_port()),
        "AWS_PORT": str(_free_port()),
        "WS_PORT": str(_free_port()),
        "OUTPUTS_FILE": str(outputs_file),
        "LOCAL_STATE_DIR": str(outputs_file.parent / "state"),  # kept as `make local` keeps it, never in .local/
        "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
    }
    log = (outputs_file.parent / "stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    started = time.monotonic()
    while not outputs_file.exists():
        if process.poll() is not None or time.monotonic() - started > 60:
            process.kill()
            raise RuntimeError(f"local stack did not start: {(outputs_file.parent / 'stack.log').read_text()[-3000:]}")
        time.sleep(0.1)
    outputs = json.loads(outputs_file.read_text())[STACK_NAME]
    outputs["ReadySeconds"] = time.monotonic() - started
    yield outputs
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


class Client:
    """An HTTP client of the API, signed in as one user."""

    def __init__(self, stack: dict, token: str | None) -> None:
        self.base = stack["ApiUrl"].rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def wait_terminal(self, execution_id: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(f"/api/workflows/executions/{execution_id}").json()
            if body["status"] in ("completed", "failed", "cancelled", "timed_out"):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"execution {execution_id} still {body['status']}")
            time.sleep(0.2)


@pytest.fixture(scope="session")
def tokens(stack) -> dict[str, dict[str, str]]:
    result = {}
    for who in ("alice", "bob"):
        username = f"{who}-{uuid.uuid4().hex[:8]}"
        result[who] = {
            "id": sign_in(stack, username, EXAMPLE_PASSWORD, "IdToken"),
            "access": sign_in(stack, username, EXAMPLE_PASSWORD, "AccessToken"),
        }
    return result


@pytest.fixture(scope="session")
def alice(stack, tokens) -> Client:
    return Client(stack, tokens["alice"]["id"])


@pytest.fixture(scope="session")
def bob(stack, tokens) -> Client:
    return Client(stack, tokens["bob"]["id"])


@pytest.fixture(scope="session")
def anonymous(stack) -> Client:
    return Client(stack, None)
