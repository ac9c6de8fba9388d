"""The Secrets screen against the real routes: names and update times, set, replace and delete (with a
confirmation), and never a value on any screen: not here, not in a run that used the secret."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import App
from tests.e2e.browser.test_web_flows import api_client, create_workflow, execute

pytestmark = pytest.mark.xdist_group("e2e")

# Where the screenshots go (make screenshots' directory when set; a temporary one otherwise).
SHOTS = os.environ.get("SECRETS_SCREENSHOTS_DIR")


def _shot(app: App, tmp_path: Path, name: str) -> None:
    target = Path(SHOTS) if SHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    app.page.screenshot(path=str(target / name), full_page=True)


def test_secrets_are_set_replaced_and_deleted_and_never_shown(app: App, username: str, stack, tmp_path: Path) -> None:
    value = f"sk-live-{uuid.uuid4().hex}"
    app.sign_up(username)
    app.open("/secrets")
    app.wait_ready("/secrets")
    expect(app.page.get_by_text("No secrets yet.")).to_be_visible()
    app.axe_check()

    app.page.get_by_role("button", name="New secret").click()
    app.page.get_by_label("Name").fill("bad name")
    app.page.get_by_label("Value").fill(value)
    app.page.get_by_role("button", name="Save").click()
    expect(app.page.get_by_text("The name must be 1 to 64")).to_be_visible()
    app.page.get_by_label("Name").fill("PAYMENTS_KEY")
    expect(app.page.get_by_label("Value")).to_have_attribute("type", "password")
    app.page.get_by_role("button", name="Save").click()
    expect(app.page.get_by_role("cell", name="PAYMENTS_KEY", exact=True)).to_be_visible()
    expect(app.page.get_by_text("{{ secrets.PAYMENTS_KEY }}")).to_be_visible()
    app.axe_check()
    assert value not in app.page.content()

    app.page.get_by_role("button", name="Replace PAYMENTS_KEY").click()
    expect(app.page.get_by_label("Name")).to_have_value("PAYMENTS_KEY")
    app.page.get_by_label("Value").fill(value + "-2")
    app.page.get_by_role("button", name="Replace", exact=True).click()
    expect(app.page.get_by_text("Secret “PAYMENTS_KEY” saved.")).to_be_visible()
    assert value not in app.page.content()
    _shot(app, tmp_path, "secrets.png")

    # A run that used it: its output, logs and screen show *** (the local model echoes its prompt).
    client = api_client(stack, username)
    workflow_id = create_workflow(
        client, "Pay", [{"name": "Ask", "type": "ai", "config": {"prompt": "Key {{ secrets.PAYMENTS_KEY }} ok"}}]
    )
    execution_id = execute(client, workflow_id)
    app.open(f"/executions/{execution_id}")
    app.wait_ready(f"/executions/{execution_id}")
    expect(app.page.get_by_text("completed").first).to_be_visible()
    expect(app.page.get_by_text("Key *** ok").first).to_be_visible()
    assert value not in app.page.content()
    _shot(app, tmp_path, "execution-secret.png")

    # The workflow editor suggests the secret: a click types its placeholder at the cursor.
    app.open("/workflows/new")
    app.wait_ready("/workflows/new")
    editor = app.page.get_by_label("Workflow definition (JSON)")
    editor.fill('{"name": "Pay", "steps": [{"name": "Call", "type": "http", "config": {"url": "https://x.test/?k="}}]}')
    editor.evaluate("(area) => area.setSelectionRange(area.value.indexOf('?k=') + 3, area.value.indexOf('?k=') + 3)")
    app.page.get_by_role("button", name="{{ secrets.PAYMENTS_KEY }}").click()
    assert '"url": "https://x.test/?k={{ secrets.PAYMENTS_KEY }}"' in editor.input_value()
    app.axe_check()

    app.open("/secrets")
    app.wait_ready("/secrets")
    app.page.get_by_role("button", name="Delete PAYMENTS_KEY").click()
    expect(app.page.get_by_text("will fail with SecretNotFound")).to_be_visible()
    app.page.get_by_role("button", name="Cancel").click()
    expect(app.page.get_by_role("cell", name="PAYMENTS_KEY", exact=True)).to_be_visible()  # cancelled: kept
    app.page.get_by_role("button", name="Delete PAYMENTS_KEY").click()
    app.page.get_by_role("button", name="Delete", exact=True).click()
    expect(app.page.get_by_text("No secrets yet.")).to_be_visible()
    app.open("/workflows/new")
    app.wait_ready("/workflows/new")
    expect(app.page.get_by_text("No secrets yet: set one under")).to_be_visible()
