"""Static files under content-hashed names, cached for good, in Chromium.

The servers the browser tests start use collectstatic's manifest (config/static.py),
as production does; the modules' relative imports must point at hashed names too.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from meetings import services
from tests.support.browser import POLL_MS, patch_over_api, wait_for_console

HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.\w+$")
ONE_YEAR = 365 * 24 * 3600


def max_age(response: httpx.Response) -> int:
    return int(re.search(r"max-age=(\d+)", response.headers["cache-control"])[1])


@pytest.mark.browser
def test_a_pages_scripts_are_hashed_and_cached_for_good(asgi_server):
    page = httpx.get(f"{asgi_server.url}/accounts/login/").text
    scripts = re.findall(r'<script type="module" src="([^"]+)"', page)
    assert scripts and all(HASHED.search(src) for src in scripts), scripts
    theme = next(src for src in scripts if "/js/theme." in src)
    hashed = httpx.get(f"{asgi_server.url}{theme}")
    assert hashed.status_code == 200
    assert hashed.headers["content-type"].startswith("text/javascript")
    assert "immutable" in hashed.headers["cache-control"]
    assert max_age(hashed) >= ONE_YEAR
    # An old page may still ask for the plain name: it works, briefly cached.
    plain = httpx.get(f"{asgi_server.url}/static/js/theme.js")
    assert plain.status_code == 200 and plain.text == hashed.text
    assert "immutable" not in plain.headers["cache-control"]
    assert max_age(plain) <= 60
    gzipped = httpx.get(
        f"{asgi_server.url}{theme}", headers={"Accept-Encoding": "gzip"}
    )
    assert gzipped.headers["content-encoding"] == "gzip"


@pytest.mark.browser
def test_the_pages_load_every_module_by_its_hashed_name(
    page, live_site, login, alice, django_user_model
):
    django_user_model.objects.create_superuser("boss", password="pw-12345678")
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    modules: list[str] = []
    page.on(
        "request",
        lambda request: (
            modules.append(request.url) if "/static/" in request.url else None
        ),
    )
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    row = page.locator(f'tr[data-meeting-id="{meeting.id}"] [data-live="status"]')
    expect(row).to_have_text("In progress", timeout=POLL_MS + 2000)
    page.goto(f"{live_site.url}/meetings/{meeting.id}")
    wait_for_console(page, "SSE connected", count=2)
    scripts = [url for url in modules if url.endswith(".js")]
    # The pages' modules, the live/ modules they import and the vendored parser.
    for name in ("meeting-list", "meeting-detail", "live/stream", "eventsource-parser"):
        assert any(name in url for url in scripts), (name, scripts)
    unhashed = [url for url in modules if not HASHED.search(url)]
    assert unhashed == []
    assert page.page_errors == [] and page.console_errors == []
