"""`python -m infra.local`: the embedded local stack in the foreground (what `make local` runs).

AWS endpoint (moto server: DynamoDB, Step Functions executing the real ASL, Lambda, Cognito, IAM,
EventBridge) on 127.0.0.1:$AWS_PORT, the HTTP API on 127.0.0.1:$API_PORT, the WebSocket API on
127.0.0.1:$WS_PORT (default 8001), the outputs file written
when ready. Ctrl-C stops both.

Its data survives a restart: it lives in $LOCAL_STATE_DIR (default .local/state; empty: in memory only), kept as
infra/local/persistence.py says. `--reset` (what `make local-reset` runs) deletes it first: the stack starts empty.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from infra.catalog import FUNCTIONS_DIR, LAYER_DIR, REPO_ROOT

# The handlers and the shared layer are importable as Lambda makes them: functions/ and the layer's python/.
for path in (LAYER_DIR / "python", FUNCTIONS_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="The local stack, in the foreground.")
    parser.add_argument("--reset", action="store_true", help="delete the stored data first: start empty")
    arguments = parser.parse_args(argv)
    api_port = int(os.environ.get("API_PORT", "8000"))
    aws_port = int(os.environ.get("AWS_PORT", "4566"))
    ws_port = int(os.environ.get("WS_PORT", "8001"))
    outputs_file = Path(os.environ.get("OUTPUTS_FILE", ".local/outputs.json"))
    region = os.environ.get("AWS_REGION", "us-east-1")
    state_dir = os.environ.get("LOCAL_STATE_DIR", ".local/state")
    started = time.perf_counter()

    from infra.local.persistence import SnapshotFile
    from infra.local.server import LocalStack

    if state_dir and arguments.reset:
        SnapshotFile(Path(state_dir)).remove()

    stack = LocalStack(
        api_port=api_port,
        aws_port=aws_port,
        region=region,
        openapi_file=REPO_ROOT / "openapi.json",
        ws_port=ws_port,
        state_dir=Path(state_dir) if state_dir else None,
    )
    stack.start()
    stack.write_outputs(outputs_file)
    print(stack.ready_message(outputs_file, time.perf_counter() - started), flush=True)
    if stack.restored:
        interrupted = len(stack.interrupted_runs)
        print(
            f"Data restored from {state_dir}: {interrupted} run(s) interrupted by the restart ended failed.", flush=True
        )

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Woken now and then: the kernel may hand the signal to any thread, and Python runs its handler only when the
    # main thread runs (an untimed wait never would, and the stack would never stop).
    while not stop.wait(0.5):
        pass
    print("\nStopping the local stack...", flush=True)
    stopping = time.perf_counter()
    stack.stop()
    kept = f"; its data is in {state_dir} (`make local-reset` starts empty)" if state_dir else ""
    print(f"Stopped in {time.perf_counter() - stopping:.1f}s{kept}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
