"""Secret reads per step: Secrets Manager GetSecretValue calls of a workflow that uses secrets, cold and warm.

The workflow: an http step that uses `{{ secrets.API_KEY }}` three times (query, header, body) and an ai step that
uses `{{ secrets.API_KEY }}` and `{{ secrets.MODEL_NOTE }}`. Cold: each step function's secret cache empty (a new
function instance: `steps.handler.secret_reader` made afresh); warm: the same run again within
`secrets_max_age_seconds` (the Powertools parameters cache). Counted with botocore hooks on every thread (the
steps run on the state machine's threads). Budget: cold, one read per distinct secret per step; warm, none.

`python -m bench.secrets` runs this section alone (and prints it); `make bench` runs it with the others.
"""

from __future__ import annotations

import http.server
import importlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.counting import AwsCalls
from bench.harness import Api
from infra.local.provision import LocalResources

READ = "secretsmanager.GetSecretValue"
DISTINCT_PER_STEP = {"Call": 1, "Ask": 2}


@contextmanager
def _upstream() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _steps(url: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "Call",
            "type": "http",
            "config": {
                "url": f"{url}/?k={{{{ secrets.API_KEY }}}}",
                "method": "POST",
                "headers": {"X-Api-Key": "{{ secrets.API_KEY }}"},
                "body": {"key": "{{ secrets.API_KEY }}"},
            },
        },
        {"name": "Ask", "type": "ai", "config": {"prompt": "{{ secrets.API_KEY }} {{ secrets.MODEL_NOTE }}"}},
    ]


def _reads(api: Api, workflow_id: str) -> int:
    with AwsCalls(this_thread_only=False) as calls:
        execution_id = api.execute(workflow_id, {})
        final = api.wait_terminal(execution_id)
    assert final["status"] == "completed", final
    return calls.count(READ)


def run(resources: LocalResources, api: Api | None = None, runs: int = 3) -> dict[str, Any]:
    del resources  # the stack is the one the harness made; the API reaches it
    api = api or Api()
    for name in ("API_KEY", "MODEL_NOTE"):
        status, body, _ = api.call("PUT", "/api/secrets/{name}", {"value": f"bench-{name}"}, name=name)
        assert status == 204, body
    handler = importlib.import_module("steps.handler")
    with _upstream() as url:
        workflow_id = api.create_workflow(_steps(url), name="secrets bench")
        cold, warm = [], []
        for _ in range(runs):
            handler.secret_reader.cache_clear()  # new function instances: empty caches
            cold.append(_reads(api, workflow_id))
            warm.append(_reads(api, workflow_id))
    budget_cold = sum(DISTINCT_PER_STEP.values())
    return {
        "steps": len(DISTINCT_PER_STEP),
        "references": {"Call": 3, "Ask": 2},
        "distinct_per_step": DISTINCT_PER_STEP,
        "cold_reads": max(cold),
        "warm_reads": max(warm),
        "cold_reads_per_step": max(cold) / len(DISTINCT_PER_STEP),
        "warm_reads_per_step": max(warm) / len(DISTINCT_PER_STEP),
        "budget": {"cold": budget_cold, "warm": 0},
        "held": max(cold) <= budget_cold and max(warm) == 0,
    }


def section(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    return (
        "| run | GetSecretValue calls | per step | budget |\n|---|---|---|---|\n"
        f"| cold (new function instances) | {results['cold_reads']} | {results['cold_reads_per_step']:.1f} | "
        f"{results['budget']['cold']} (one per distinct secret per step) |\n"
        f"| warm (within secrets_max_age_seconds) | {results['warm_reads']} | {results['warm_reads_per_step']:.1f} | "
        "0 |"
    )


if __name__ == "__main__":
    from bench.harness import in_process_stack

    with in_process_stack() as stack_resources:
        print(json.dumps(run(stack_resources), indent=2))
