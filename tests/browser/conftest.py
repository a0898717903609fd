"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Fixtures: `browser` (one Chromium per session), `page` (a fresh context and
page per test; a screenshot and the console log go to test-artifacts/ when the
test fails), `login` (log a page in through the login form) and `live_site` (a
real uvicorn on DynamoDB Local whose clients reconnect quickly).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home, which
# a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Reconnects in 0.5 s, 1 s, 1.5 s … instead of 5 s, 10 s, 15 s: the pages take
# their backoff base from SSE_RETRY_MS, as the stream's retry: hint does.
FAST_RECONNECTS = {"SSE_RETRY_MS": 500, "SSE_DRAIN_WINDOW": 1}


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests, and run them after all the others.

    Playwright's sync API keeps an event loop running in the main thread while
    the browser is open, and Django refuses ORM calls under a running loop; so
    the session's one browser opens for the first browser test and only
    browser tests run until the session ends.
    """
    here = Path(__file__).parent
    browser_tests = [item for item in items if here in item.path.parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.browser)
    others = [item for item in items if here not in item.path.parents]
    items[:] = others + browser_tests


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # The tests' own ORM calls are plain sync code, run while Playwright's
    # loop is running in this thread; allow them (see the hook above).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, request):
    """A fresh context and page; on failure, a screenshot and the console log.

    The page records its console as `page.console_lines` (text) and
    `page.console_errors`, and uncaught exceptions as `page.page_errors`.
    """
    context = browser.new_context(**getattr(request, "param", {}))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_lines, page.console_errors, page.page_errors = [], [], []

    def on_console(message) -> None:
        page.console_lines.append(message.text)
        if message.type == "error":
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        finally:
            (ARTIFACTS / f"{name}.console.txt").write_text(
                "\n".join(page.console_lines + page.page_errors)
            )
    context.close()


@pytest.fixture
def login():
    """Return log_in(page, server, username, password), which logs in by form."""

    def log_in(page, server, username: str, password: str = "pw-12345678") -> None:
        page.goto(f"{server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")

    return log_in


@pytest.fixture
def live_site(start_server):
    """A uvicorn server on DynamoDB Local for the browser; SIGKILLed after."""
    return start_server(**FAST_RECONNECTS)
