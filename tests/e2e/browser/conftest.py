"""Browser tests: headless Chromium (Debian's package, driven by Playwright) against the local stack's web app.

The stack is tests/e2e/conftest.py's (a fresh `make local` on free ports, or E2E_OUTPUTS_FILE). Each test gets
a fresh browser context (its own sessionStorage); every page error fails the test; `axe_check` runs axe-core
(web/node_modules/axe-core, installed by `make web`) on the current screen and fails on any WCAG 2 A/AA finding.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from infra.catalog import REPO_ROOT

AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Correct-Horse-42!"
# The machine may be busy (2 cores shared): wait up to 20 s for what the page should show.
expect.set_options(timeout=20_000)


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("chromium is not installed: `make test` installs it (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def app_url(stack) -> str:
    return stack.get("AppUrl") or stack["ApiUrl"].rstrip("/") + "/"


class App:
    """A page of the web app, with the steps every flow takes."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, route: str = "") -> Page:
        target = f"{self.url}#{route}" if route else self.url
        if self.page.url == target:
            self.page.reload()  # the same hash again is no navigation: load it afresh
        else:
            self.page.goto(target)
        return self.page

    def sign_up(self, username: str, password: str = PASSWORD) -> None:
        self.open("/signup")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign up").click()
        expect(self.page.get_by_role("heading", name="Executions", exact=True)).to_be_visible()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.open("/signin")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {username}")).to_be_visible()

    def wait_ready(self, path: str) -> None:
        expect(self.page.locator("#main")).to_have_attribute("data-ready", path)

    def axe_check(self) -> None:
        """No WCAG 2 A/AA violation on the current screen (axe-core, evaluated through the DevTools protocol,
        which the page's CSP does not restrict)."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(f"() => {{ {AXE.read_text()}\n}}")
        violations = self.page.evaluate(
            """async () => {
              const tags = ['wcag2a', 'wcag2aa', 'wcag21aa'];
              const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
              return result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target)}));
            }"""
        )
        assert violations == [], violations


@pytest.fixture
def app(browser: Browser, app_url: str) -> Iterator[App]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    instance = App(page, app_url)
    yield instance
    context.close()
    assert instance.errors == [], f"errors in the page: {instance.errors}"


@pytest.fixture
def username() -> str:
    return f"web-{uuid.uuid4().hex[:10]}"
