"""The first hour in the web app (issue 27), as a newcomer lives it, through the page only: sign up, create a
workflow from one of the repository's examples, run it from its input_example, watch the run graph while the
service it calls is down, see it fail once, bring the service up, resume, and compare the two runs."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import closed_port

pytestmark = pytest.mark.xdist_group("e2e")


class Service(BaseHTTPRequestHandler):
    """The service the example's http step calls, once it is up: a small JSON answer."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def service_port() -> Iterator[tuple[int, list[ThreadingHTTPServer]]]:
    """A loopback port nobody listens on yet; `start` (the list's append) brings the service up on it."""
    port = closed_port()
    servers: list[ThreadingHTTPServer] = []
    yield port, servers
    for server in servers:
        server.shutdown()
        server.server_close()


def start_service(port: int, servers: list[ThreadingHTTPServer]) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)


def test_the_first_hour(app: App, username: str, service_port: tuple[int, list[ThreadingHTTPServer]]) -> None:
    port, servers = service_port
    page = app.page

    # Sign up, then a new workflow from an example: the file as the repository holds it, comments included.
    app.sign_up(username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workflows").click()
    expect(page.get_by_text("No workflows yet.")).to_be_visible()
    page.get_by_role("link", name="New workflow").first.click()
    app.wait_ready("/workflows/new")
    start_from = page.get_by_label("Start from")
    expect(start_from.locator("option")).to_have_count(10)  # the short Greeting and the 9 examples
    start_from.select_option(label="Example: http: Fetches a URL and reports its status")
    editor = page.get_by_label("Workflow definition (JSON) or YAML")
    expect(editor).to_have_value(re.compile(r'^# Example: http\. .*\nname: "Example: http"\n', re.S))
    expect(page.get_by_label("Sample data (JSON)")).to_have_value(re.compile(r'"url": "http://127\.0\.0\.1:8080/"'))
    app.axe_check()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Example: http")).to_be_visible()
    expect(page.get_by_role("list", name="Steps, in order").get_by_role("listitem")).to_have_count(2)

    # Run it: the dialog starts from the example's input_example; point it at the service, which is down.
    page.get_by_role("button", name="Run").click()
    run_input = page.get_by_role("dialog").get_by_label("Input data (JSON object)")
    expect(run_input).to_have_value(re.compile(r'"url": "http://127\.0\.0\.1:8080/"'))
    run_input.fill(json.dumps({"url": f"http://127.0.0.1:{port}/"}))
    page.get_by_role("dialog").get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"#/executions/[0-9a-f-]{36}$"))
    first_run = page.url.rsplit("/", 1)[1]

    # The run graph follows the run: Fetch tries three times (its retry policy), fails, and Report never runs.
    graph = page.get_by_role("region", name="Flow of this run").get_by_role("list", name="Steps, in order")
    fetch, report = graph.locator("li[data-step='Fetch']"), graph.locator("li[data-step='Report']")
    expect(page.locator("#execution-status")).to_contain_text("failed", timeout=60_000)
    expect(fetch).to_have_attribute("data-state", "failed")
    expect(fetch).to_contain_text("3 attempts")
    expect(report).to_have_attribute("data-state", "not_run")
    error = page.get_by_role("region", name="Error")
    expect(error).to_contain_text("In step Fetch")
    message = error.locator("p.error-text").inner_text()
    assert page.evaluate("() => document.body.innerText").count(message) == 1  # said once
    app.axe_check()

    # The service is up now: resume from the failed step. A new run, linked to the first, that completes.
    start_service(port, servers)
    page.get_by_role("button", name="Resume from the failed step").click()
    expect(page.get_by_text("Resume: this is the new run (the original is unchanged).")).to_be_visible()
    expect(page).not_to_have_url(re.compile(first_run))
    second_run = page.url.rsplit("/", 1)[1]
    expect(page.locator("#execution-status")).to_contain_text("completed", timeout=60_000)
    expect(page.get_by_role("link", name=first_run[:8])).to_be_visible()  # "Retry of"
    expect(fetch).to_have_attribute("data-state", "succeeded")
    expect(report).to_have_attribute("data-state", "succeeded")
    expect(page.get_by_role("region", name="Input and output")).to_contain_text('"status": 200')
    expect(page.get_by_role("region", name="Error")).to_have_count(0)

    # Compare the two runs from the executions list: what changed is each step's status, not an output.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Executions").click()
    for run in (first_run, second_run):
        page.get_by_label(f"Select execution {run[:8]}").check()
    page.get_by_role("button", name="Compare selected (2)").click()
    expect(page.get_by_role("heading", name="Compare 2 executions")).to_be_visible()
    compared = page.get_by_role("table", name="The executions compared")
    expect(compared.locator("td.workflow")).to_have_text(["Example: http", "Example: http"])
    steps = page.get_by_role("region", name="Steps")
    for step in ("Fetch", "Report"):
        expect(steps.locator(f"tr[data-step='{step}']")).to_have_attribute("data-difference", "status")
    expect(steps.locator("tr[data-step='Report']")).to_contain_text("not run")
    app.axe_check()


def test_the_child_workflow_example_is_created_once_its_child_exists(app: App, username: str) -> None:
    """`workflow_id: "@Example: transform"` in the example: the editor puts the id of the caller's workflow of that
    name, as wfe does; without one, it says to create it first and sends nothing."""
    page = app.page
    app.sign_up(username)

    def create_from(label: str) -> None:
        app.open("/workflows/new")
        app.wait_ready("/workflows/new")
        expect(page.get_by_label("Start from").locator("option")).to_have_count(10)
        page.get_by_label("Start from").select_option(label=label)
        expect(page.get_by_label("Workflow definition (JSON) or YAML")).to_have_value(re.compile("^# Example: "))
        page.get_by_role("button", name="Create").click()

    create_from("Example: workflow: Prices an order through the transform example, then adds shipping")
    expect(page.get_by_role("alert").filter(has_text="you have no workflow of that name")).to_contain_text(
        "Step “Price the order” runs “Example: transform”"
    )
    create_from("Example: transform: Counts an order's items, sums its prices and flags big orders")
    expect(page.get_by_role("heading", name="Example: transform")).to_be_visible()
    child_id = page.url.rsplit("/", 1)[1]
    create_from("Example: workflow: Prices an order through the transform example, then adds shipping")
    expect(page.get_by_role("heading", name="Example: workflow")).to_be_visible()
    step = page.get_by_role("list", name="Steps, in order").locator("li[data-step='Price the order']")
    expect(step).to_contain_text("runs workflow Example: transform with this run's input")  # its name, not an id
    expect(step.get_by_role("link", name="Example: transform")).to_have_attribute("href", f"#/workflows/{child_id}")
