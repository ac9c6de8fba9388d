"""Local stack throughput: executions/s of a 3-step workflow and API latency at 1 and 8 clients, over HTTP,
as a ratio to raw moto executing the same compiled state machine without the API.

The stack is started as `make local` starts it (`python -m infra.local`, free ports, loopback only) in its
own process; this process is only the client.
- API: each client POSTs /execute, then polls GET /executions/{id} until the execution is terminal; every
  request's latency is recorded.
- Raw moto: the same executions started with boto3 on the stack's AWS endpoint: the `pending` item written
  (as the API writes it, so the machine takes the same success path), StartExecution, then the execution item
  read (GetItem) until terminal: the signal the API's status route reads. What the API adds: HTTP API + JWT
  authorizer + handler + validation.
Both poll every POLL_SECONDS; EXECUTIONS executions per setting and path, spread over the clients, run in
ROUNDS batches that alternate between the two paths (so a drift of the machine hits both alike).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import jwt
import requests

from bench.harness import TERMINAL, transform_steps
from bench.registry import LocalStack
from infra.catalog import REPO_ROOT, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local.provision import NAME_PREFIX, STATE_MACHINE_PREFIX
from infra.local.signin import sign_in
from workflow_engine.asl.state_document import initial_document
from workflow_engine.data.codec import dump_json
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus
from workflow_engine.platform.clock import utc_now

EXECUTIONS = 40
ROUNDS = 4
CLIENTS = (1, 8)
POLL_SECONDS = 0.02
STARTUP_SECONDS = 180  # a busy machine (the smoke test runs beside the other tests) takes minutes to start a stack
STEPS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_stack(state_dir: Path | None = None, ports: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """`python -m infra.local` on free ports (or `ports`), its data in `state_dir` (default: its temp dir)."""
    with tempfile.TemporaryDirectory() as directory:
        outputs_file = Path(directory) / "outputs.json"
        env = {
            **os.environ,
            "API_PORT": str(_free_port()),
            "AWS_PORT": str(_free_port()),
            "WS_PORT": str(_free_port()),
            **(ports or {}),
            "OUTPUTS_FILE": str(outputs_file),
            "LOCAL_STATE_DIR": str(state_dir or Path(directory) / "state"),  # kept as `make local` keeps it
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
        }
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            env.pop(name, None)
        log_path = Path(directory) / "stack.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "infra.local"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                started = time.monotonic()
                while not outputs_file.exists():
                    if process.poll() is not None or time.monotonic() - started > STARTUP_SECONDS:
                        raise RuntimeError(f"local stack did not start: {log_path.read_text()[-3000:]}")
                    time.sleep(0.1)
                yield json.loads(outputs_file.read_text())[STACK_NAME]
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=60)  # a clean stop writes the last snapshot
                except subprocess.TimeoutExpired:
                    process.kill()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _latency(values: list[float]) -> dict[str, float]:
    return {
        "requests": len(values),
        "p50_ms": round(_percentile(values, 0.5) * 1000, 1),
        "p95_ms": round(_percentile(values, 0.95) * 1000, 1),
    }


def _drive(
    clients: int, executions: int, run_one: Callable[[dict[str, list[float]]], None]
) -> tuple[float, dict[str, list[float]]]:
    """Run `executions` executions over `clients` threads; returns (wall seconds, latencies by kind)."""
    remaining = iter(range(executions))
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"execute": [], "status": []}
    errors: list[BaseException] = []

    def worker() -> None:
        mine: dict[str, list[float]] = {"execute": [], "status": []}
        try:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        break
                run_one(mine)
        except BaseException as error:  # reported by the caller
            errors.append(error)
        with lock:
            for kind, values in mine.items():
                latencies[kind] += values

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started, latencies


class _Api:
    def __init__(self, outputs: dict[str, str], token: str, workflow_id: str) -> None:
        self._base = outputs["ApiUrl"]
        self._headers = {"Authorization": f"Bearer {token}"}
        self._workflow_id = workflow_id
        self._sessions = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
            self._sessions.session.headers.update(self._headers)
        return self._sessions.session

    def run_one(self, latencies: dict[str, list[float]]) -> None:
        session = self._session()
        started = time.perf_counter()
        response = session.post(
            f"{self._base}/api/workflows/{self._workflow_id}/execute", json={"input_data": {"n": 1}}, timeout=30
        )
        latencies["execute"].append(time.perf_counter() - started)
        assert response.status_code == 202, response.text
        execution_id = response.json()["execution_id"]
        while True:
            time.sleep(POLL_SECONDS)
            started = time.perf_counter()
            response = session.get(f"{self._base}/api/workflows/executions/{execution_id}", timeout=30)
            latencies["status"].append(time.perf_counter() - started)
            status = response.json()["status"]
            if status in TERMINAL:
                assert status == "completed", response.text
                return


class _Raw:
    def __init__(self, outputs: dict[str, str], user_id: str, workflow_id: str) -> None:
        local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        self._endpoint = {"region_name": outputs["Region"], "endpoint_url": outputs["AwsEndpointUrl"], **local}
        self._user_id = user_id
        self._workflow_id = workflow_id
        self._clients = threading.local()
        sfn = boto3.client("stepfunctions", **self._endpoint)
        machines = sfn.list_state_machines()["stateMachines"]
        self._machine = next(m for m in machines if m["name"] == f"{STATE_MACHINE_PREFIX}{workflow_id}")
        # Executions start the version recorded with the workflow version, as the API starts them.
        workflows = WorkflowRepository(boto3.client("dynamodb", **self._endpoint), f"{NAME_PREFIX}-Workflows")
        workflow = workflows.get(user_id, workflow_id)
        assert workflow is not None and workflow.state_machine_version_arn, workflow
        self._version_arn = workflow.state_machine_version_arn
        self._table = f"{NAME_PREFIX}-Executions"

    def _client(self, service: str) -> Any:
        if not hasattr(self._clients, service):
            setattr(self._clients, service, boto3.client(service, **self._endpoint))
        return getattr(self._clients, service)

    def run_one(self, latencies: dict[str, list[float]]) -> None:
        sfn, executions = self._client("stepfunctions"), ExecutionRepository(self._client("dynamodb"), self._table)
        now = utc_now()
        record = ExecutionRecord(
            execution_id=str(uuid.uuid4()),
            user_id=self._user_id,
            workflow_id=self._workflow_id,
            workflow_version=1,
            state_machine_arn=self._machine["stateMachineArn"],
            state_machine_version_arn=self._version_arn,
            status=ExecutionStatus.PENDING,
            input_data={"n": 1},
            started_at=now,
            updated_at=now,
        )
        started = time.perf_counter()
        executions.create(record)
        sfn.start_execution(
            stateMachineArn=self._version_arn,
            name=record.execution_id,
            input=dump_json(initial_document(record.input_data)),
        )
        latencies["execute"].append(time.perf_counter() - started)
        while True:
            time.sleep(POLL_SECONDS)
            started = time.perf_counter()
            stored = executions.get(record.execution_id)
            latencies["status"].append(time.perf_counter() - started)
            if stored is not None and stored.status.is_terminal:
                assert stored.status is ExecutionStatus.COMPLETED, stored
                return


def run(
    executions: int = EXECUTIONS,
    rounds: int = ROUNDS,
    clients: tuple[int, ...] = CLIENTS,
    stack: LocalStack = local_stack,
) -> dict[str, Any]:
    """`executions` per setting and path, in `rounds` batches (a multiple of it), for each count of `clients`."""
    with stack() as outputs:
        token = sign_in(outputs, f"bench-{uuid.uuid4().hex[:8]}", EXAMPLE_PASSWORD)
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        created = requests.post(
            f"{outputs['ApiUrl']}/api/workflows",
            json={"name": "throughput", "steps": transform_steps(STEPS)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        workflow_id = created.json()["id"]
        api, raw = _Api(outputs, token, workflow_id), _Raw(outputs, user_id, workflow_id)
        api.run_one({"execute": [], "status": []})  # warm both paths (handler imports, first clients)
        raw.run_one({"execute": [], "status": []})

        rows = []
        for count in clients:
            row: dict[str, Any] = {"clients": count, "executions": executions}
            seconds = {"api": 0.0, "raw_moto": 0.0}
            latencies: dict[str, dict[str, list[float]]] = {name: {"execute": [], "status": []} for name in seconds}
            for _ in range(rounds):
                for name, driver in (("api", api), ("raw_moto", raw)):
                    elapsed, measured = _drive(count, executions // rounds, driver.run_one)
                    seconds[name] += elapsed
                    for kind, values in measured.items():
                        latencies[name][kind] += values
            for name, kinds in latencies.items():
                row[name] = {
                    "executions_per_second": round(executions / seconds[name], 2),
                    "seconds": round(seconds[name], 2),
                    "start": _latency(kinds["execute"]),
                    "status": _latency(kinds["status"]),
                    "all_requests": _latency(kinds["execute"] + kinds["status"]),
                }
            row["api_to_raw"] = round(row["api"]["executions_per_second"] / row["raw_moto"]["executions_per_second"], 2)
            rows.append(row)
    return {
        "workflow_steps": STEPS,
        "poll_seconds": POLL_SECONDS,
        "rows": rows,
        "median_api_to_raw": round(statistics.median(row["api_to_raw"] for row in rows), 2),
    }
