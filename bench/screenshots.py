"""Retake the screenshots of the web UI in docs/screenshots/.

    nice -n 10 .venv/bin/python -m bench.screenshots

Starts DynamoDB Local in memory on a free port, a throwaway SQLite database
and this checkout's static files collected to a temporary directory, seeds
fixed users and meetings (bench/screenshot_states.py: the same titles, times
and statuses every run), and starts the app (`python -m config.server`, as the
browser tests do) on a free port. Then, with Debian's /usr/bin/chromium (no
browser download), at phone (390x844) and desktop (1280x800) sizes, light and
dark (the colour scheme the browser prefers, which the theme's "auto"
follows), in Europe/Paris with the browser's clock fixed at 14:02, it takes:

- the meeting list, a meeting's page and the admin changelist, whole
  (`<page>-<phone|desktop>-<light|dark>.png`);
- issue 20's new states, cropped to where they show (`state-*`, `admin-*`,
  `api-docs-*`): "Live" with the notifications toggle, the status timeline
  ("Processing for 2 min 13 s"), notifications on, "Updates paused: shown as
  of 14:02" with the data marked stale (DynamoDB Local stopped with SIGSTOP,
  so the stream sends `error`), the disconnect banner with "Retry now" and
  "Retrying in N s" (the browser offline; compact, then prominent), "Deleted"
  on a page whose meeting was deleted meanwhile, the admin's owner search as
  you type, its owner filter's search, the changelist's "Matching …" line,
  and /v1/docs.

Every state is waited for explicitly before it is taken. Not a test: the
pictures are for docs/web-ui.md and docs/admin.md. Everything it starts
(DynamoDB Local, the server, Chromium) is stopped at the end.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import cli
from bench import screenshot_states as states
from meetings.store.local import DynamoDBLocal, free_port
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.live import LiveServer
from tests.support.nginx import collect_static

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
SCHEMES = ("light", "dark")
TABLE = "meetings-screenshots"


def main() -> None:
    """Start the stack, take every screenshot, and stop what was started."""
    parser = cli.parser(__doc__, figures=False)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dynamodb = DynamoDBLocal(free_port()).start()
        server = None
        try:
            env = _environment(Path(tmp), dynamodb.endpoint_url)
            owner = _seed(env)
            collect_static(Path(tmp) / "static", env)
            server = LiveServer(env).start(timeout=60)
            _take_all(server.url, args.out, dynamodb.process.pid, owner)
        finally:
            if server is not None:
                server.kill()
            dynamodb.stop()


def _environment(tmp: Path, endpoint_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "MEETINGS_STORE": "meetings.store.dynamodb",
        "DYNAMODB_ENDPOINT_URL": endpoint_url,
        "DYNAMODB_TABLE": TABLE,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        # A stopped store is told within a poll and two reads (as the tests).
        "DYNAMODB_READ_TIMEOUT": "0.8",
        "DYNAMODB_CONNECT_TIMEOUT": "0.5",
        "DYNAMODB_MAX_ATTEMPTS": "0",
        "SSE_POLL_INTERVAL": "0.5",
        "SSE_KEEPALIVE_INTERVAL": "2",
        "SSE_RETRY_MS": "5000",  # the deployed backoff: "Retrying in 5 s"
        "LOG_LEVEL": "WARNING",
    }


def _seed(env: dict[str, str]) -> str:
    """Set Django up in this process on env's database and table, and seed them."""
    os.environ.update(env)
    # The deletion made while Playwright's loop runs writes the search index
    # through the ORM in this thread, as the browser tests allow.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    return states.seed()


def _take_all(url: str, out: Path, store_pid: int, owner: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            variants = [
                _variant(browser, url, size, scheme)
                for size in SIZES
                for scheme in SCHEMES
            ]
            for variant in variants:
                _pages(variant, url, out)
            states.detail_states(variants, url, out, store_pid)
            states.banner_states(variants, out)
            states.deleted_state(variants, url, out, owner)
            states.admin_states(variants, url, out)
            states.api_docs(variants, url, out)
        finally:
            browser.close()


def _variant(browser, url: str, size: str, scheme: str) -> states.Variant:
    """A logged-in page at size, preferring scheme, in Paris at 14:02."""
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        # Phones report touch; the layout should not care.
        has_touch=size == "phone",
        timezone_id=states.ZONE,
        locale=states.LOCALE,
        permissions=["notifications"],
    )
    context.add_init_script(states.SEEDED_RANDOM)
    page = context.new_page()
    page.set_default_timeout(states.WAIT_MS)
    page.clock.set_fixed_time(states.NOW)
    _log_in(page, url)
    return states.Variant(size, scheme, page)


def _pages(variant: states.Variant, url: str, out: Path) -> None:
    """The whole list, a meeting's page and the admin changelist, once live."""
    page = variant.page
    for name, path in [
        ("list", "/"),
        ("detail", f"/meetings/{states.meeting_id(states.DETAIL)}"),
        ("admin-changelist", "/admin/meetings/meetingrecord/"),
    ]:
        page.goto(f"{url}{path}")
        if name != "admin-changelist":
            states.expect_live(page)
        else:
            page.wait_for_load_state("load")
            page.wait_for_timeout(1000)  # the counts' first refresh
        states.shoot(variant, out, name)


def _log_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", states.ADMIN[0])
    page.fill("#id_password", states.ADMIN[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


if __name__ == "__main__":
    main()
