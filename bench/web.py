"""The web app's budgets (issue #13): JS + CSS on first load (gzipped), first screen usable, an execution table
of 1,000 runs, and how long a status change takes to reach the page. Headless Chromium (Debian's) through
Playwright against a fresh local stack.

- Bundle: every file the first page load fetches (index.html's stylesheet and the module graph of
  src/main.js: all views are static imports); the chart library is loaded only by the metrics screen and is
  reported apart.
- First screen usable: navigation start -> the screen's data is rendered (`main[data-ready]`), for the
  sign-in screen (no session) and for the executions table (a signed-in session, 50 rows).
- 1,000 runs: that many finished executions in the table (written as the API writes them); 50 per page (cursor paging):
  time to render page 1, to go to the next page, and to apply a status filter.
- Live update: a run of a workflow with a 1 s wait, watched on its page; latency = the moment the page shows
  `completed` minus the execution's `completed_at` (same machine clock). Over the WebSocket when the stack
  has one, else the page's 1 s fallback poll.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.registry import LocalStack
from bench.throughput import local_stack
from infra.catalog import REPO_ROOT
from infra.local.provision import NAME_PREFIX, STATE_MACHINE_PREFIX
from infra.local.signin import sign_in
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus

WEB = REPO_ROOT / "web"
BUNDLE_BUDGET_KB = 250
FIRST_SCREEN_BUDGET_MS = 1500
LIVE_BUDGET_MS = 1000
RUNS = 1000
PAGE = 50
LIVE_SAMPLES = 5
COLD_CONTEXTS = 5  # first screen: median of this many cold browser contexts
ECHO = {"name": "Echo", "type": "transform", "config": {"expression": "input"}}
PASSWORD = "Correct-Horse-42!"  # noqa: S105 (a bench user on the local stack)
# Records (Date.now()) the first moment the status on the page reads "completed".
WATCH_COMPLETION = """() => {
  window.__seen = null;
  const check = () => {
    const status = document.querySelector('#execution-status');
    if (!window.__seen && status && status.textContent.includes('completed')) window.__seen = Date.now();
  };
  const options = {subtree: true, childList: true, characterData: true};
  new MutationObserver(check).observe(document.getElementById('main'), options);
  check();
}"""
IMPORT = re.compile(r"""(?:^|\n)\s*import\s[^'"]*?from\s+["'](\.[^"']+)["']""")


def first_load_files() -> list[str]:
    """index.html, its stylesheet and the static module graph of src/main.js (relative to web/)."""
    files = ["index.html", "app.css"]
    pending = ["src/main.js"]
    while pending:
        current = pending.pop()
        if current in files:
            continue
        files.append(current)
        base = (WEB / current).parent
        for target in IMPORT.findall((WEB / current).read_text()):
            pending.append(str((base / target).resolve().relative_to(WEB)))
    return files


def _gzip_size(path: str) -> int:
    return len(gzip.compress((WEB / path).read_bytes(), compresslevel=9))


def bundle() -> dict[str, Any]:
    files = first_load_files()
    raw = sum((WEB / path).stat().st_size for path in files)
    gz = sum(_gzip_size(path) for path in files)
    charts = ["vendor/uPlot.esm.js", "vendor/uPlot.min.css"]
    return {
        "files": len(files),
        "raw_kb": round(raw / 1024, 1),
        "gzip_kb": round(gz / 1024, 1),
        "metrics_screen_extra_gzip_kb": round(sum(_gzip_size(path) for path in charts) / 1024, 1),
        "budget_kb": BUNDLE_BUDGET_KB,
        "held": gz / 1024 <= BUNDLE_BUDGET_KB,
    }


class _User:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.username = f"bench-{uuid.uuid4().hex[:8]}"
        self.token = sign_in(outputs, self.username, PASSWORD)
        self.base = outputs["ApiUrl"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def post(self, path: str, body: dict) -> dict:
        response = self.session.post(self.base + path, json=body, timeout=30)
        assert response.status_code in (201, 202), response.text
        return response.json()

    def get(self, path: str) -> Any:
        return self.session.get(self.base + path, timeout=30).json()


def _seed_runs(outputs: dict[str, str], user: _User, count: int) -> float:
    """`count` finished executions of one workflow, written to the executions table as the API writes them (one
    PutItem each, with its index keys): the table's cost does not depend on how the runs were made."""
    import boto3
    import jwt  # pyjwt, in requirements-dev.txt

    workflow = user.post("/api/workflows", {"name": "bench table", "steps": [ECHO]})
    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    endpoint = {"region_name": outputs["Region"], "endpoint_url": outputs["AwsEndpointUrl"], **local}
    machines = boto3.client("stepfunctions", **endpoint).list_state_machines()["stateMachines"]
    machine = next(m for m in machines if m["name"] == f"{STATE_MACHINE_PREFIX}{workflow['id']}")
    repository = ExecutionRepository(boto3.client("dynamodb", **endpoint), f"{NAME_PREFIX}-Executions")
    user_id = jwt.decode(user.token, options={"verify_signature": False})["sub"]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for index in range(count):
        begin = now - timedelta(minutes=count - index)
        repository.create(
            ExecutionRecord(
                execution_id=str(uuid.uuid4()),
                user_id=user_id,
                workflow_id=workflow["id"],
                workflow_version=1,
                state_machine_arn=machine["stateMachineArn"],
                status=ExecutionStatus.FAILED if index % 10 == 0 else ExecutionStatus.COMPLETED,
                input_data={"i": index},
                output_data={"i": index},
                started_at=begin.isoformat(),
                updated_at=(begin + timedelta(seconds=2)).isoformat(),
                completed_at=(begin + timedelta(seconds=2)).isoformat(),
            )
        )
    return time.perf_counter() - started


def _session_script(outputs: dict[str, str], user: _User) -> str:
    """An init script that puts a signed-in session in sessionStorage, as the sign-in form does."""
    import jwt  # pyjwt, in requirements-dev.txt

    claims = jwt.decode(user.token, options={"verify_signature": False})
    session = {
        "idToken": user.token,
        "refreshToken": None,
        "username": user.username,
        "sub": claims["sub"],
        "expiresAt": claims["exp"] * 1000,
    }
    return f"sessionStorage.setItem('wfe.session', {json.dumps(json.dumps(session))});"


def _ready_ms(page: Any, url: str, path: str) -> float:
    page.goto(url)
    page.wait_for_selector(f"main[data-ready='{path}']", timeout=30_000)
    return page.evaluate("() => performance.now()")


def run(
    runs: int = RUNS,
    cold_contexts: int = COLD_CONTEXTS,
    live_samples: int = LIVE_SAMPLES,
    stack: LocalStack = local_stack,
) -> dict[str, Any]:
    """`runs` (more than a page) finished executions in the table, `cold_contexts` first loads, `live_samples`
    live runs."""
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {"bundle": bundle()}
    with stack() as outputs, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        app = outputs.get("AppUrl") or outputs["ApiUrl"] + "/"
        user = _User(outputs)
        _seed_runs(outputs, user, PAGE)

        # First screen (a full page of runs): median of cold contexts (no HTTP cache shared between them).
        first: dict[str, list[float]] = {"signin": [], "executions": []}
        for _ in range(cold_contexts):
            context = browser.new_context()
            first["signin"].append(_ready_ms(context.new_page(), f"{app}#/signin", "/signin"))
            context.close()
            context = browser.new_context()
            context.add_init_script(_session_script(outputs, user))
            first["executions"].append(_ready_ms(context.new_page(), f"{app}#/executions", "/executions"))
            context.close()

        # 1,000 runs in the table: first page, next page, filter; with the API's own time (moto's query).
        seed_seconds = _seed_runs(outputs, user, runs - PAGE)
        context = browser.new_context()
        context.add_init_script(_session_script(outputs, user))
        page = context.new_page()
        api_ms: list[float] = []
        page.on(
            "response",
            lambda response: (
                api_ms.append(float(response.headers.get("x-local-duration-ms", 0)))
                if "/api/workflows/executions?" in response.url
                else None
            ),
        )
        first_page_ms = _ready_ms(page, f"{app}#/executions", "/executions")
        rows = page.locator("table.executions tbody tr").count()
        started = time.perf_counter()
        page.get_by_role("button", name="Older →").click()
        page.wait_for_selector("text=Page 2")
        next_page_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        page.evaluate("() => { document.getElementById('main').dataset.ready = ''; }")
        page.get_by_label("Status").select_option("completed")
        page.wait_for_selector("main[data-ready='/executions']")
        filter_ms = (time.perf_counter() - started) * 1000
        context.close()

        # Live: a 2 s run watched on its page. The page is open and shows the run running before it completes (its
        # first load takes well under 2 s), so each sample is the live path alone: the machine's completion, the
        # stream, the notifier, the WebSocket and the page's render.
        workflow = user.post(
            "/api/workflows",
            {
                "name": "bench live",
                "steps": [
                    {"name": "Pause", "type": "wait", "config": {"seconds": 2}},
                    {"name": "Echo", "type": "transform", "config": {"expression": "input"}},
                ],
            },
        )
        context = browser.new_context()
        context.add_init_script(_session_script(outputs, user))
        page = context.new_page()
        latencies = []
        loaded_live: list[bool] = []  # per sample: the page was open before the run completed
        for _ in range(live_samples):
            execution_id = user.post(f"/api/workflows/{workflow['id']}/execute", {"input_data": {}})["execution_id"]
            page.goto(f"{app}#/executions/{execution_id}")
            page.wait_for_selector("#execution-status")
            page.evaluate(WATCH_COMPLETION)
            loaded_live.append(page.evaluate("() => !window.__seen"))
            page.wait_for_function("() => window.__seen", timeout=30_000)
            seen = page.evaluate("() => window.__seen")
            completed = user.get(f"/api/workflows/executions/{execution_id}")["completed_at"]
            latencies.append(seen - datetime.fromisoformat(completed.replace("Z", "+00:00")).timestamp() * 1000)
        context.close()
        browser.close()
        live_channel = "websocket" if outputs.get("WebSocketUrl") else "fallback poll (every 500 ms)"

    result["first_screen_contexts"] = cold_contexts
    result["first_screen_ms"] = {name: round(statistics.median(values)) for name, values in first.items()}
    result["first_screen_held"] = max(result["first_screen_ms"].values()) <= FIRST_SCREEN_BUDGET_MS
    result["table"] = {
        "first_page_ms": round(first_page_ms),
        "api_ms_per_page": round(statistics.median(api_ms)) if api_ms else None,
        "runs": runs,
        "seed_seconds": round(seed_seconds, 1),
        "rows_per_page": rows,
        "next_page_ms": round(next_page_ms),
        "filter_ms": round(filter_ms),
    }
    result["live"] = {
        "channel": live_channel,
        "samples": live_samples,
        "median_ms": round(statistics.median(latencies)),
        "max_ms": round(max(latencies)),
        "samples_ms": [round(value) for value in latencies],
        "pages_open_before_completion": sum(loaded_live),
        "budget_ms": LIVE_BUDGET_MS,
        "held": max(latencies) <= LIVE_BUDGET_MS,
    }
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
