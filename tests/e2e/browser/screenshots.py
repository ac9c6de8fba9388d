"""`make screenshots`: PNGs of every screen of the web app into docs/screenshots/ (or the directory given),
taken with headless Chromium against a fresh local stack seeded with a few workflows and runs.

`python -m tests.e2e.browser.screenshots DIRECTORY [NAME,...]` writes only the PNGs named (without `.png`), e.g.
`docs/screenshots run-graph,step-panel`; the stack is seeded in full either way."""

from __future__ import annotations

import json
import shutil
import socket
import sys
import time
import uuid
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

from bench.throughput import local_stack
from infra.local.signin import sign_in

PASSWORD = "Correct-Horse-42!"
TERMINAL = {"completed", "failed", "cancelled", "timed_out"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Seed:
    def __init__(self, outputs: dict) -> None:
        self.username = "ada"
        self.base = outputs["ApiUrl"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {sign_in(outputs, self.username, PASSWORD)}"

    def workflow(self, name: str, description: str, steps: list[dict]) -> str:
        body = {"name": name, "description": description, "steps": steps}
        return self.http.post(f"{self.base}/api/workflows", json=body, timeout=30).json()["id"]

    def run(self, workflow_id: str, input_data: dict) -> str:
        url = f"{self.base}/api/workflows/{workflow_id}/execute"
        return self.http.post(url, json={"input_data": input_data}, timeout=30).json()["execution_id"]

    def wait_for_a_person(self, execution_id: str) -> None:
        """Until the run waits on an approval step (its status object's waiting_for)."""
        for _ in range(300):
            url = f"{self.base}/api/workflows/executions/{execution_id}"
            if self.http.get(url, timeout=30).json().get("waiting_for"):
                return
            time.sleep(0.2)

    def wait(self, execution_id: str) -> None:
        for _ in range(300):
            if (
                self.http.get(f"{self.base}/api/workflows/executions/{execution_id}", timeout=30).json()["status"]
                in TERMINAL
            ):
                return
            time.sleep(0.2)


def _leaf(name: str, expression: str) -> dict:
    return {"name": name, "type": "transform", "config": {"expression": expression}}


# An order router with one block of each kind: a choice (a condition per branch, and otherwise), a parallel
# enrichment and a map over the order's lines.
BLOCKS = [
    _leaf("Load order", "{total: input.total, lines: input.lines}"),
    {
        "name": "Route",
        "type": "choice",
        "config": {
            "branches": [
                {
                    "when": {"path": 'steps."Load order".output.total', "op": "gt", "value": 100},
                    "steps": [_leaf("Ask finance", "{approved: `true`}")],
                },
                {
                    "when": {
                        "any": [
                            {"path": "input.vip", "op": "true"},
                            {"path": "input.country", "op": "eq", "value": "FR"},
                        ]
                    },
                    "steps": [_leaf("Fast lane", "{fast: `true`}")],
                },
            ],
            "otherwise": [_leaf("Auto approve", "{approved: `true`}")],
        },
    },
    {
        "name": "Enrich",
        "type": "parallel",
        "config": {
            "branches": [
                {"name": "stock", "steps": [_leaf("Check stock", "{ok: `true`}")]},
                {"name": "customer", "steps": [_leaf("Load customer", "{tier: 'gold'}")]},
                {"name": "shipping", "steps": [_leaf("Quote shipping", "{days: `2`}")]},
            ]
        },
    },
    {
        "name": "Each line",
        "type": "map",
        "config": {
            "items": "input.lines",
            "max_concurrency": 5,
            "steps": [_leaf("Price line", "{sku: item.sku, qty: item.qty, at: index}")],
        },
    },
]


# An order shipped step by step: a map over its lines, a cool-off wait, a courier that does not answer (retried,
# then the run fails) and a last step never run: the run graph (run-graph.png) and a step's panel (step-panel.png).
def ship_order(courier_url: str) -> list[dict]:
    return [
        _leaf("Load order", "{id: input.order_id, lines: input.lines}"),
        {
            "name": "Each line",
            "type": "map",
            "config": {"items": "input.lines", "steps": [_leaf("Price line", "{sku: item.sku, total: item.price}")]},
        },
        {"name": "Cool-off", "type": "wait", "config": {"seconds": 2}},
        {
            "name": "Book courier",
            "type": "http",
            "config": {"url": courier_url, "method": "POST"},
            "retry": {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1},
        },
        _leaf("Email customer", "{sent: `true`}"),
    ]


# A payment a person signs off: the run waits on the approval step (approval-waiting.png).
PAY_SUPPLIER = [
    _leaf("Load invoice", "{supplier: input.supplier, total: input.total}"),
    {
        "name": "Finance sign-off",
        "type": "approval",
        "config": {"message": "Pay {{input.total}} EUR to {{input.supplier}}?", "timeout_seconds": 172800},
    },
    _leaf("Pay", '{paid: input.total, approval: steps."Finance sign-off".output}'),
]


def seed(outputs: dict) -> dict[str, str]:
    data = Seed(outputs)
    greeting = data.workflow(
        "Greeting",
        "Builds a greeting and asks the model to answer it",
        [
            {
                "name": "Build greeting",
                "type": "transform",
                "config": {"expression": "{text: join(' ', ['Hello', input.name])}"},
            },
            {"name": "Pause", "type": "wait", "config": {"seconds": 1}},
            {
                "name": "Ask the model",
                "type": "ai",
                "config": {"prompt": 'Reply to: {{ steps."Build greeting".output.text }}'},
                "retry": {"max_attempts": 3, "interval_seconds": 2, "backoff_rate": 2},
                "timeout_seconds": 60,
            },
        ],
    )
    orders = data.workflow(
        "Order pipeline",
        "Loads an order, prices it and notifies the warehouse",
        [
            {
                "name": "Load order",
                "type": "transform",
                "config": {"expression": "{id: input.order_id, items: input.items}"},
            },
            {"name": "Price", "type": "transform", "config": {"expression": "{total: sum(input.items[].price)}"}},
            {
                "name": "Notify warehouse",
                "type": "http",
                "config": {"url": f"http://127.0.0.1:{_closed_port()}/orders", "method": "POST"},
                "retry": {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1},
                "timeout_seconds": 10,
            },
        ],
    )
    nightly = data.workflow(
        "Nightly report",
        "Waits for the batch window",
        [{"name": "Wait for window", "type": "wait", "config": {"seconds": 600}}],
    )
    blocks = data.workflow(
        "Order router", "Routes an order, enriches it at once from three places, prices each line", BLOCKS
    )
    runs = [data.run(greeting, {"name": name}) for name in ("Ada", "Grace", "Alan")]
    failed = data.run(orders, {"order_id": "A-17", "items": [{"price": 12}, {"price": 30}]})
    lines = [
        {"sku": sku, "qty": qty, "price": price} for sku, qty, price in (("A1", 2, 30), ("B7", 1, 95), ("C3", 4, 5))
    ]
    routed = data.run(blocks, {"total": 175, "lines": lines})
    # A second run of the blocks whose second line differs: compare shows the map's rows by item.
    rerouted = data.run(blocks, {"total": 175, "lines": [lines[0], {**lines[1], "qty": 3}, lines[2]]})
    # Secrets: two set, and a run that used one (its output reads ***).
    for name in ("PAYMENTS_KEY", "CRM_TOKEN"):
        data.http.put(f"{data.base}/api/secrets/{name}", json={"value": f"example-{uuid.uuid4().hex}"}, timeout=30)
    secretive = data.workflow(
        "Charge",
        "Calls the payments model with a key",
        [{"name": "Ask", "type": "ai", "config": {"prompt": "Charge with key {{ secrets.PAYMENTS_KEY }}"}}],
    )
    used_secret = data.run(secretive, {})
    shipping = data.workflow(
        "Ship order", "Prices each line, cools off, books a courier", ship_order(f"http://127.0.0.1:{_closed_port()}/")
    )
    shipped = data.run(
        shipping, {"order_id": "A-17", "lines": [{"sku": "A1", "price": 30}, {"sku": "B7", "price": 95}]}
    )
    for execution_id in [*runs, failed, routed, rerouted, used_secret, shipped]:
        data.wait(execution_id)
    running = data.run(nightly, {})
    pay = data.workflow("Pay supplier", "Loads an invoice and asks finance before paying it", PAY_SUPPLIER)
    awaiting = data.run(pay, {"supplier": "ACME Ltd", "total": 1200})
    data.wait_for_a_person(awaiting)
    return {
        "awaiting": awaiting,
        "username": data.username,
        "greeting": greeting,
        "orders": orders,
        "blocks": blocks,
        "routed": routed,
        "rerouted": rerouted,
        "failed": failed,
        "running": running,
        "used_secret": used_secret,
        "shipped": shipped,
        "first": runs[0],
        "second": runs[1],
    }


ONLY: set[str] = set()  # the PNGs to write (their names without .png); empty: all


def wanted(path: Path) -> bool:
    return not ONLY or path.stem in ONLY


def shoot(page: Page, url: str, route: str, ready: str, path: Path, settle: float = 0.3) -> None:
    if not wanted(path):
        return
    page.goto(f"{url}#{route}")
    page.wait_for_selector(f"main[data-ready='{ready}']", timeout=30_000)
    time.sleep(settle)
    page.screenshot(path=str(path), full_page=True)


def open_screen(page: Page, url: str, route: str) -> None:
    page.goto(f"{url}#{route}")
    page.wait_for_selector(f"main[data-ready='{route}']", timeout=30_000)


def run_dialog(page: Page, url: str, workflow_id: str, target: Path) -> None:
    open_screen(page, url, f"/workflows/{workflow_id}")
    page.get_by_role("button", name="Run").click()
    page.get_by_label("Input data (JSON object)").fill(json.dumps({"name": "Ada"}, indent=2))
    time.sleep(0.3)
    page.screenshot(path=str(target / "run.png"))
    page.keyboard.press("Escape")


def edit_422(page: Page, url: str, target: Path) -> None:
    open_screen(page, url, "/workflows/new")
    bad = {
        "name": "Orders",
        "steps": [
            {"name": "Load", "type": "transform", "config": {}},
            {"name": "Pause", "type": "wait", "config": {"seconds": "soon"}},
        ],
    }
    page.get_by_label("Workflow definition (JSON)").fill(json.dumps(bad))
    page.get_by_role("button", name="Create").click()
    page.wait_for_selector(".json-errors li")
    page.screenshot(path=str(target / "workflow-edit-422.png"), full_page=True)


def step_panel(page: Page, url: str, execution_id: str, target: Path) -> None:
    """The failed step's detail panel over the run graph: its attempts, input and output."""
    open_screen(page, url, f"/executions/{execution_id}")
    page.get_by_role("button", name="4. Book courier: details").click()
    page.wait_for_selector("dialog.step-panel[open]")
    time.sleep(0.3)
    page.screenshot(path=str(target / "step-panel.png"))
    page.keyboard.press("Escape")


def main(directory: str, only: str = "") -> int:
    ONLY.update(name for name in only.split(",") if name)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    with local_stack() as outputs, sync_playwright() as playwright:
        ids = seed(outputs)
        url = outputs.get("AppUrl") or outputs["ApiUrl"] + "/"
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        open_screen(page, url, "/signin")
        shoot(page, url, "/signin", "/signin", target / "signin.png")
        page.get_by_label("Username").fill(ids["username"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("main[data-ready='/executions']")
        shoot(page, url, "/executions", "/executions", target / "executions.png")
        shoot(page, url, "/workflows", "/workflows", target / "workflows.png")
        shoot(page, url, f"/workflows/{ids['greeting']}", f"/workflows/{ids['greeting']}", target / "workflow.png")
        if wanted(target / "run.png"):
            run_dialog(page, url, ids["greeting"], target)
        shoot(page, url, "/workflows/new", "/workflows/new", target / "workflow-edit.png")
        if wanted(target / "workflow-edit-422.png"):
            edit_422(page, url, target)
        for name, execution_id in (
            ("execution", ids["failed"]),
            ("execution-running", ids["running"]),
            ("workflow-blocks", None),
            ("execution-blocks", ids["routed"]),
            ("approval-waiting", ids["awaiting"]),
        ):
            route = f"/workflows/{ids['blocks']}" if execution_id is None else f"/executions/{execution_id}"
            shoot(page, url, route, route, target / f"{name}.png")
        shoot(page, url, f"/compare?ids={ids['first']},{ids['second']}", "/compare", target / "compare.png")
        shoot(page, url, f"/compare?ids={ids['routed']},{ids['rerouted']}", "/compare", target / "compare-blocks.png")
        shoot(page, url, "/metrics?range=24h&granularity=hour", "/metrics", target / "metrics.png", settle=0.8)
        shoot(page, url, "/logs?q=order", "/logs", target / "logs.png")
        shoot(page, url, "/secrets", "/secrets", target / "secrets.png")
        used = ids["used_secret"]
        shoot(page, url, f"/executions/{used}", f"/executions/{used}", target / "execution-secret.png")
        shipped = f"/executions/{ids['shipped']}"
        shoot(page, url, shipped, shipped, target / "run-graph.png")  # the run graph of a failed run
        if wanted(target / "step-panel.png"):
            step_panel(page, url, ids["shipped"], target)
        browser.close()
    print(f"screenshots written to {target}/")
    return 0


def workflow_editor_screenshot(directory: str = "docs/screenshots") -> Path:
    """workflow-editor.png: the editor with its YAML example, the fields of the step under the cursor and that step's
    expression tried, on a fresh local stack of its own. Run it alone with
    `python -c "from tests.e2e.browser.screenshots import workflow_editor_screenshot as s; s()"`."""
    path = Path(directory) / "workflow-editor.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    with local_stack() as outputs, sync_playwright() as playwright:
        sign_in(outputs, "ada", PASSWORD)  # signs ada up
        url = outputs.get("AppUrl") or outputs["ApiUrl"] + "/"
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.goto(f"{url}#/signin")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("main[data-ready='/executions']")
        page.goto(f"{url}#/workflows/new")
        page.wait_for_selector("main[data-ready='/workflows/new']", timeout=30_000)
        editor = page.get_by_label("Workflow definition (JSON) or YAML")
        editor.evaluate(
            """(area) => { const at = area.value.indexOf('expression:') + 12; area.focus();
                 area.setSelectionRange(at, at); area.dispatchEvent(new Event('click')); }"""
        )
        page.get_by_role("button", name="Try its expression").click()
        page.get_by_label("Result").wait_for()
        page.evaluate("() => { window.scrollTo(0, 0); document.querySelector('.editor-aside').scrollTop = 0; }")
        time.sleep(0.3)
        page.screenshot(path=str(path))
        browser.close()
    return path


if __name__ == "__main__":
    TARGET = sys.argv[1] if len(sys.argv) > 1 else f"docs/screenshots-{uuid.uuid4().hex[:4]}"
    CODE = main(TARGET, *sys.argv[2:3])
    if len(sys.argv) < 3 or "workflow-editor" in sys.argv[2]:  # a stack of its own, after main's
        workflow_editor_screenshot(TARGET)
    sys.exit(CODE)
