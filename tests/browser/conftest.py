"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without the background-networking flags Chromium keeps calling home, which
# this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module.

    Playwright's sync API keeps an event loop running in the main thread, which
    makes Django refuse ORM calls as "async unsafe"; the tests' own ORM calls
    are plain sync code, so allow them while the browser is open, and close it
    (and its loop) after the module so later tests run as usual.
    """
    from playwright.sync_api import sync_playwright

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
    """A fresh browser context and page; a screenshot is saved if the test fails."""
    context = browser.new_context()
    page = context.new_page()
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
        (ARTIFACTS / f"{request.node.name}.console.txt").write_text(
            "\n".join(page.console_lines)
        )
    context.close()


@pytest.fixture
def browser_env(server_env) -> dict[str, str]:
    """Server settings that make reconnects quick enough to test."""
    return {**server_env, "SSE_RETRY_MS": "500", "SSE_DRAIN_WINDOW": "1"}


@pytest.fixture
def live_site(transactional_db, browser_env):
    """A uvicorn server for the browser; SIGKILLed after the test."""
    from tests.support.live import LiveServer

    server = LiveServer(browser_env).start()
    yield server
    server.kill()


@pytest.fixture
def login():
    def log_in(page, server, username: str, password: str = "pw-12345678") -> None:
        page.goto(f"{server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")

    return log_in
