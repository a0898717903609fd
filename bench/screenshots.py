"""Retake the screenshots of the web UI in docs/screenshots/.

    .venv/bin/python -m bench.screenshots

Starts `manage.py devserver` on a free port with the meetings in memory and a
throwaway SQLite database (so the demo data is the same every time and nothing
local is touched), logs in as the demo superuser, and takes the meeting list,
a meeting's page and the admin changelist at phone (390x844) and desktop
(1280x800) sizes, light and dark, with Debian's /usr/bin/chromium (no browser
download). Not a test: the pictures are for docs/web-ui.md.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import cli
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.live import LiveServer

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SETTLE_MS = 1000
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
SCHEMES = ("light", "dark")
# The README's demo superuser, which devserver creates.
USERNAME, PASSWORD = "admin", "admin-password"


class DemoServer(LiveServer):
    """`manage.py devserver`: the app with its demo data and superuser."""

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "devserver", "--port", str(self.port)]


def main() -> None:
    """Start a demo server, take every screenshot, and stop the server."""
    parser = cli.parser(__doc__, figures=False)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "MEETINGS_STORE": "meetings.store.memory",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'db.sqlite3'}",
        }
        server = DemoServer(env).start(timeout=60)
        try:
            _take_all(server.url, args.out)
        finally:
            server.terminate(timeout=30)


def _take_all(url: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            for size, (width, height) in SIZES.items():
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=scheme,
                        # Phones report touch; the layout should not care.
                        has_touch=size == "phone",
                    )
                    page = context.new_page()
                    _log_in(page, url)
                    for name, path in _pages(page, url):
                        page.goto(f"{url}{path}")
                        # Not "networkidle": the live stream never goes idle.
                        # A moment for it to connect and the banner to settle.
                        page.wait_for_load_state("load")
                        page.wait_for_timeout(SETTLE_MS)
                        target = out / f"{name}-{size}-{scheme}.png"
                        page.screenshot(path=target, scale="css")
                        print(target)
                    context.close()
        finally:
            browser.close()


def _pages(page, url: str) -> list[tuple[str, str]]:
    page.goto(f"{url}/")
    detail = page.locator("tr[data-meeting-id]").first.get_attribute("data-meeting-id")
    return [
        ("list", "/"),
        ("detail", f"/meetings/{detail}"),
        ("admin-changelist", "/admin/meetings/meetingrecord/"),
    ]


def _log_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


if __name__ == "__main__":
    main()
