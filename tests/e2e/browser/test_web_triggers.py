"""A workflow's triggers on its page, against the real routes: add (the secret shown once, in a dialog), the URL
with a copy button, a signed call that starts a run (the executions list names its trigger), delete (confirmed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, create_workflow

pytestmark = pytest.mark.xdist_group("e2e")


def _signed_post(url: str, secret: str, body: bytes) -> requests.Response:
    moment = str(int(time.time()))
    digest = hmac.new(secret.encode(), moment.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Timestamp": moment, "X-Signature-256": f"sha256={digest}"}
    return requests.post(url, data=body, headers=headers, timeout=30)


def test_triggers_are_added_shown_once_called_and_deleted(app: App, username: str, stack) -> None:
    app.sign_up(username)
    client = api_client(stack, username)
    workflow_id = create_workflow(
        client, "Hooked", [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
    )
    app.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    app.open(f"/workflows/{workflow_id}")
    app.wait_ready(f"/workflows/{workflow_id}")
    expect(app.page.get_by_text("No triggers yet.")).to_be_visible()
    app.axe_check()

    app.page.get_by_role("button", name="Add trigger").click()
    dialog = app.page.get_by_role("dialog")
    expect(dialog.get_by_text("shown only this once")).to_be_visible()
    secret = dialog.locator("[data-secret]").inner_text()
    url = dialog.locator("code").first.inner_text()
    assert len(secret) == 64 and url.startswith(stack["ApiUrl"].rstrip("/") + "/api/hooks/")
    app.axe_check()
    dialog.get_by_role("button", name="Copy secret").click()
    expect(app.page.get_by_text("Secret copied.")).to_be_visible()
    assert app.page.evaluate("navigator.clipboard.readText()") == secret
    dialog.get_by_role("button", name="I have kept it").click()
    expect(app.page.get_by_role("cell", name=url)).to_be_visible()
    expect(app.page.locator("dialog")).to_have_count(0)  # removed on its close event, a task after the click
    assert secret not in app.page.content()  # shown once: gone with the dialog, never listed

    app.open(f"/workflows/{workflow_id}")  # and never again after a reload
    app.wait_ready(f"/workflows/{workflow_id}")
    expect(app.page.get_by_role("cell", name=url)).to_be_visible()
    expect(app.page.locator("dialog")).to_have_count(0)  # removed on its close event, a task after the click
    assert secret not in app.page.content()
    trigger_short = url.rsplit("/", 1)[1][:8]
    app.page.get_by_role("button", name=f"Copy URL of trigger {trigger_short}").click()
    assert app.page.evaluate("navigator.clipboard.readText()") == url

    response = _signed_post(url, secret, json.dumps({"from": "a shell"}).encode())
    assert response.status_code == 202, response.text
    app.open(f"/executions?workflow_id={workflow_id}")
    app.wait_ready("/executions")
    row = app.page.locator(f"tr[data-id='{response.json()['execution_id']}']")
    expect(row.get_by_text("webhook", exact=True)).to_be_visible()

    app.open(f"/workflows/{workflow_id}")
    app.wait_ready(f"/workflows/{workflow_id}")
    app.page.get_by_role("button", name=f"Delete trigger {trigger_short}").click()
    app.page.get_by_role("dialog", name="Delete this trigger?").get_by_role("button", name="Delete").click()
    expect(app.page.get_by_text("No triggers yet.")).to_be_visible()
    assert _signed_post(url, secret, b"{}").status_code == 404
