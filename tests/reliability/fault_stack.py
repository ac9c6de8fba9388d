"""`python -m tests.reliability.fault_stack`: the local stack (exactly what `make local` runs) plus a fault
injector that the reliability tests drive over a small control API on `$CONTROL_PORT`.

Nothing here changes the product: the stack is `infra.local.server.LocalStack`; faults are injected from
the outside, at the seams a real outage would hit.

- AWS faults: a botocore `before-send` hook on boto3's default session (the one every handler's client and
  the state machine interpreter's clients are made from) answers chosen calls with an AWS error response
  instead of sending them. The SDK then sees the error exactly as it would from AWS, so its standard retry
  mode applies.
- Step crash: the step type's runner raises an exception that is not a StepFailed.
- Dropped status events: the "Execution Status Change" event EventBridge would deliver is lost.
- Compressed timeouts (kind "compressed_timeouts", while armed; `scale`, default 60): a Task's TimeoutSeconds is
  divided by `scale` (60 s: 1 s; tests/support/approval_clock.py), so an approval's wait can time out in a race
  test without a minute's sleep.
- DNS answers for chosen test host names (to play a DNS-rebinding attacker without a DNS server).
- A network tripwire (always on): any outbound connection to a non-loopback address is refused in-process
  and recorded, so a broken SSRF guard fails a test instead of sending a packet anywhere.

Control API (JSON): POST /faults {kind, ...} -> {"id"}; DELETE /faults clears every fault; GET /faults ->
{"fired": {id: count}, "tripwire": [addresses], "dropped_events": [execution names]}.
"""

from __future__ import annotations

import io
import ipaddress
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from infra.catalog import REPO_ROOT

_lock = threading.Lock()
_faults: dict[str, dict[str, Any]] = {}
_fired: dict[str, int] = {}
_tripwire: list[str] = []
_dropped_events: list[str] = []
_ids = itertools.count(1)


def add_fault(spec: dict[str, Any]) -> str:
    with _lock:
        fault_id = f"f{next(_ids)}"
        _faults[fault_id] = {**spec, "remaining": int(spec.get("count", 1_000_000))}
        _fired[fault_id] = 0
        return fault_id


def clear_faults() -> None:
    with _lock:
        _faults.clear()
        _tripwire.clear()
        _dropped_events.clear()
        _lookups.clear()


def _take(kind: str, predicate: Any) -> dict[str, Any] | None:
    """The first armed fault of `kind` that matches, its count decremented; None if none fires."""
    with _lock:
        for fault_id, fault in _faults.items():
            if fault["kind"] == kind and fault["remaining"] > 0 and predicate(fault):
                fault["remaining"] -= 1
                _fired[fault_id] += 1
                return fault
    return None


# --- AWS faults ------------------------------------------------------------------------------------


class _RawBody(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _aws_hook(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
    _, service, operation = event_name.split(".", 2)
    body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
    caller = "interpreter" if "Credential=ak/" in str(request.headers.get("Authorization", "")) else "handlers"

    def matches(fault: dict[str, Any]) -> bool:
        return (
            fault["service"] == service
            and fault["operation"] == operation
            and fault.get("caller", caller) == caller
            and fault.get("body_contains", "") in body
        )

    fault = _take("aws", matches)
    if fault is None:
        return None
    code = fault.get("code", "ServiceUnavailable")
    document = json.dumps({"__type": code, "message": fault.get("message", "injected by the reliability tests")})
    headers = {
        "x-amzn-ErrorType": code,
        "x-amzn-RequestId": str(uuid.uuid4()),
        "content-type": "application/x-amz-json-1.0",
    }
    return AWSResponse(request.url, int(fault.get("status", 400)), headers, _RawBody(document.encode()))


# --- step crash ------------------------------------------------------------------------------------


def _crashing(step_type: str, runner: Any) -> Any:
    def run(*args: Any, **kwargs: Any) -> Any:
        fault = _take("crash", lambda f: f["step_type"] == step_type)
        if fault is not None:
            if fault.get("sleep_seconds"):
                time.sleep(float(fault["sleep_seconds"]))
            else:
                raise RuntimeError(fault.get("message", "injected crash"))
        return runner(*args, **kwargs)

    return run


def _install_step_faults() -> None:
    import importlib

    handler = importlib.import_module("steps.handler")  # the generic step handler: its runner per step type
    runner = handler.runner
    handler.runner = lambda step_type: _crashing(step_type, runner(step_type))


# --- status events ---------------------------------------------------------------------------------


def _install_event_faults() -> None:
    from infra.local import moto_seams

    def dropping_some(listeners: list[moto_seams.StatusListener]) -> moto_seams.StatusListener:
        def deliver(event: dict[str, Any]) -> None:
            if _take("drop_events", lambda _: True) is not None:
                with _lock:
                    _dropped_events.append(event["detail"]["name"])
                return
            for listener in listeners:
                listener(event)

        return deliver

    moto_seams.replace_status_listeners(dropping_some)


def _install_compressed_timeouts() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    from tests.support.approval_clock import SCALE

    original = TimeoutSeconds._eval_seconds

    def scaled(self: Any, env: Any) -> Any:
        seconds = original(self, env)
        with _lock:
            armed = [fault for fault in _faults.values() if fault["kind"] == "compressed_timeouts"]
        if not armed or self.is_default_value():
            return seconds
        return seconds / float(armed[0].get("scale", SCALE))

    TimeoutSeconds._eval_seconds = scaled


# --- DNS and the network tripwire --------------------------------------------------------------------

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_lookups: dict[str, int] = {}


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    with _lock:
        fault = next((f for f in _faults.values() if f["kind"] == "dns" and f["host"] == name), None)
        if fault is not None:
            index = _lookups.get(name, 0)
            _lookups[name] = index + 1
            answers = fault["answers"][min(index, len(fault["answers"]) - 1)]
    if fault is None:
        return _real_getaddrinfo(host, port, *args, **kwargs)
    result = []
    for address in answers:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (address, int(port or 0))
        result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
    return result


def _outside(address: Any) -> str | None:
    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return None  # unix sockets and the like
    try:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
    except ValueError:
        return address[0]  # a host name: refuse, every caller here connects to addresses
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return None if (mapped or ip).is_loopback else str(ip)


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    refused = _outside(address)
    if refused is not None:
        with _lock:
            _tripwire.append(refused)
        raise ConnectionRefusedError(111, f"network tripwire: {refused} is not on this machine's loopback")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    refused = _outside(address)
    if refused is not None:
        with _lock:
            _tripwire.append(refused)
        return 111
    return _real_connect_ex(self, address)


def _install_network_guards() -> None:
    socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


# --- control API -----------------------------------------------------------------------------------


class _Control(BaseHTTPRequestHandler):
    def _answer(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        with _lock:
            self._answer(
                200,
                {
                    "fired": dict(_fired),
                    "remaining": {k: f["remaining"] for k, f in _faults.items()},
                    "tripwire": list(_tripwire),
                    "dropped_events": list(_dropped_events),
                    "dns_lookups": dict(_lookups),
                },
            )

    def do_POST(self) -> None:  # noqa: N802
        spec = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        self._answer(200, {"id": add_fault(spec)})

    def do_DELETE(self) -> None:  # noqa: N802
        clear_faults()
        self._answer(200, {})

    def log_message(self, *args: Any) -> None:
        pass


def main() -> int:
    from infra.local.server import LocalStack

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-send", _aws_hook)  # before any handler makes its clients
    _install_network_guards()
    stack = LocalStack(
        api_port=int(os.environ["API_PORT"]),
        aws_port=int(os.environ["AWS_PORT"]),
        region=os.environ.get("AWS_REGION", "us-east-1"),
        openapi_file=REPO_ROOT / "openapi.json",
    )
    stack.start()
    _install_step_faults()
    _install_event_faults()
    _install_compressed_timeouts()
    control = ThreadingHTTPServer(("127.0.0.1", int(os.environ["CONTROL_PORT"])), _Control)
    threading.Thread(target=control.serve_forever, name="fault-control", daemon=True).start()

    outputs = stack.outputs()
    outputs["WorkflowEngine"]["ControlUrl"] = f"http://127.0.0.1:{control.server_address[1]}"
    path = Path(os.environ["OUTPUTS_FILE"])
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(outputs))
    temporary.replace(path)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    control.shutdown()
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
