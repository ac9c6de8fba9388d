"""The Run dialog starts from the workflow's input_example, else from its last run's input, else from {}."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from infra.local.signin import sign_in
from tests.e2e.browser.conftest import PASSWORD, App
from tests.e2e.conftest import Client

pytestmark = pytest.mark.xdist_group("e2e")

GREET = [{"name": "Greet", "type": "transform", "config": {"expression": "{greeting: input.name}"}}]


def dialog_input(app: App, workflow_id: str) -> object:
    app.open(f"/workflows/{workflow_id}")
    app.page.get_by_role("button", name="Run").click()
    editor = app.page.get_by_role("dialog").get_by_label("Input data (JSON object)")
    expect(editor).to_be_visible()
    value = json.loads(editor.input_value())
    app.page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    return value


def test_the_run_dialog_starts_from_the_example_else_the_last_input(app: App, username: str, stack: dict) -> None:
    app.sign_up(username)
    client = Client(stack, sign_in(stack, username, PASSWORD))
    example = {"name": "Ada", "tags": ["a", "b"]}
    with_example = client.post("/api/workflows", json={"name": "Has example", "input_example": example, "steps": GREET})
    plain = client.post("/api/workflows", json={"name": "Plain", "steps": GREET})
    assert with_example.status_code == plain.status_code == 201, (with_example.text, plain.text)

    assert dialog_input(app, with_example.json()["id"]) == example
    assert dialog_input(app, plain.json()["id"]) == {}
    started = client.post(f"/api/workflows/{plain.json()['id']}/execute", json={"input_data": {"name": "Grace"}})
    assert started.status_code == 202, started.text
    assert dialog_input(app, plain.json()["id"]) == {"name": "Grace"}
    app.axe_check()
